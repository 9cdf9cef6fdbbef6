"""The run's interrupt timeline for pictures: handler entries and exits, mask changes, pendings and stack samples, up to a cap."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..events import InterruptAcknowledged, InterruptEntered, InterruptExited, InterruptPended, MaskChanged, StackSample
from .base import Dispatching, Handlers

CAP = 200_000                           # events kept at most (then the timeline says so)


@dataclass
class Timeline:
    """Kept events as plain tuples, in order: ('enter', cycle, handler, depth, start, number),
    ('exit', cycle, handler, depth), ('mask', cycle, masked, location), ('pend', cycle, number,
    name), ('stack', cycle, used, limit); ``dropped`` counts those past ``CAP``."""

    items: list[tuple] = field(default_factory=list)
    dropped: int = 0
    first_dropped: int | None = None    # cycle of the first event not kept


class TimelineRecorder(Dispatching):
    """Keeps the events the HTML report draws (report/html.py); no findings."""

    name = "timeline"

    def __init__(self, rules: object = None, cap: int = CAP):
        self.timeline, self.cap = Timeline(), cap
        self.chain: list[str] = []

    def handlers(self) -> Handlers:
        return {InterruptEntered: self.on_entered, InterruptExited: self.on_exited,
                InterruptAcknowledged: self.on_acknowledged, MaskChanged: self.on_mask,
                InterruptPended: self.on_pended, StackSample: self.on_stack}

    def _keep(self, item: tuple) -> None:
        t = self.timeline
        if len(t.items) < self.cap:
            t.items.append(item)
            return
        if t.first_dropped is None:
            t.first_dropped = item[1]
        t.dropped += 1

    def on_entered(self, event: InterruptEntered) -> None:
        self._keep(("enter", event.cycle, event.handler, event.context.depth,
                    event.cycle - event.entry_cycles, event.number))

    def on_acknowledged(self, event: InterruptAcknowledged) -> None:
        self._keep(("ack", event.cycle, event.handler, event.context.depth, event.number))

    def on_exited(self, event: InterruptExited) -> None:
        self._keep(("exit", event.cycle, event.handler, event.context.depth + 1))

    def on_mask(self, event: MaskChanged) -> None:
        self._keep(("mask", event.cycle, event.masked, event.location))

    def on_pended(self, event: InterruptPended) -> None:
        self._keep(("pend", event.cycle, event.number, event.name))

    def on_stack(self, event: StackSample) -> None:
        self._keep(("stack", event.cycle, event.top - event.lowest, event.top - event.base))

    def findings(self) -> tuple:
        return ()
