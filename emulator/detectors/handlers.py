"""isr-cycles: the path length of every interrupt handler invocation, exclusive and inclusive of nesting."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..events import InterruptAcknowledged, InterruptEntered, InterruptExited, RunEnded
from ..report.model import Finding, HandlerStats
from ..rules.model import Rules
from .alloc_cycles import nearest_rank
from .base import Dispatching, Handlers


@dataclass
class _Frame:
    """One running handler invocation."""

    handler: str
    number: int
    name: str
    start: int                          # its first instruction (InterruptEntered.cycle)
    preempted: str                      # where the interrupted code resumes
    nested: int = 0                     # cycles of interrupts nested in it so far


@dataclass
class _Done:
    """One handler's completed invocations: their exclusive and inclusive cycles in order, and
    the slowest (the earliest of the largest exclusive): (exclusive, entry cycle, interrupted)."""

    exclusive: list[int] = field(default_factory=list)
    inclusive: list[int] = field(default_factory=list)
    slowest: tuple[int, int, str] = (-1, 0, "")

    def add(self, exclusive: int, inclusive: int, frame: "_Frame") -> None:
        self.exclusive.append(exclusive)
        self.inclusive.append(inclusive)
        if exclusive > self.slowest[0]:
            self.slowest = (exclusive, frame.start, frame.preempted)


class HandlerCycles(Dispatching):
    """Times each handler invocation from ``InterruptEntered`` (its first instruction) to the
    ``InterruptExited`` that ends it (stamped after the exception return or tail-chain).

    Exclusive cycles leave out the interrupts nested in it: from the start of a nested entry
    (``cycle - entry_cycles``) to the non-tail-chained exit returning to its depth (tail-chained
    nested handlers continue the same span).  A Book E handler acknowledging another source
    (``InterruptAcknowledged``) is timed as that source's handler.  Invocations still running at
    ``RunEnded`` are counted as ``open`` only.  ``stats()``: a ``HandlerStats`` per (handler,
    number), sorted; ``findings()``: one ``isr-cycles`` finding per handler whose slowest
    invocation exceeds ``budgets.isr_cycles`` (its own entry, else ``default``).
    """

    name = "isr-cycles"

    def __init__(self, rules: Rules | None = None):
        self.budget = rules.budgets.isr_cycles_for if rules is not None else (lambda h, n: None)
        self.frames: list[_Frame] = []
        self.nested_start: dict[int, int] = {}      # depth -> start of the nested span there
        self.done: dict[tuple[str, int, str], _Done] = {}
        self.open: dict[tuple[str, int, str], int] = {}

    def handlers(self) -> Handlers:
        return {InterruptEntered: self.on_entered, InterruptExited: self.on_exited,
                InterruptAcknowledged: self.on_acknowledged, RunEnded: self.on_run_ended}

    def on_entered(self, event: InterruptEntered) -> None:
        depth = event.context.depth
        if depth > 1:
            self.nested_start.setdefault(depth, event.cycle - event.entry_cycles)
        self.frames.append(_Frame(event.handler, event.number, event.name, event.cycle,
                                  event.preempted_location))

    def on_acknowledged(self, event: InterruptAcknowledged) -> None:
        if self.frames:
            top = self.frames[-1]
            top.handler, top.number, top.name = event.handler, event.number, event.name

    def on_exited(self, event: InterruptExited) -> None:
        if not self.frames:
            return
        frame = self.frames.pop()
        inclusive = event.cycle - frame.start
        key = (frame.handler, frame.number, frame.name)
        done = self.done.get(key)
        if done is None:
            done = self.done[key] = _Done()
        done.add(inclusive - frame.nested, inclusive, frame)
        depth = event.context.depth
        if event.tail_chained_to is None and self.frames and depth + 1 in self.nested_start:
            self.frames[-1].nested += event.cycle - self.nested_start.pop(depth + 1)

    def on_run_ended(self, event: RunEnded) -> None:
        for frame in self.frames:
            key = (frame.handler, frame.number, frame.name)
            self.open[key] = self.open.get(key, 0) + 1
        self.frames = []

    def stats(self) -> tuple[HandlerStats, ...]:
        keys = sorted(set(self.done) | set(self.open))
        return tuple(handler_stats(k, self.done.get(k), self.open.get(k, 0)) for k in keys)

    def findings(self) -> tuple[Finding, ...]:
        found = [f for f in map(self._over_budget, self.stats()) if f is not None]
        return tuple(sorted(found, key=lambda f: f.sort_key))

    def _over_budget(self, stats: HandlerStats) -> Finding | None:
        limit = self.budget(stats.handler, stats.irq)
        if limit is None or not stats.calls or stats.max <= limit:
            return None
        from .budgets import handler_finding
        return handler_finding(stats, limit)


def handler_stats(key: tuple[str, int, str], done: _Done | None, still_open: int) -> HandlerStats:
    """Statistics of one handler's completed invocations (all zero when none completed)."""
    handler, number, name = key
    if done is None or not done.exclusive:
        return HandlerStats(handler, number, name, 0, 0, 0, 0, 0, 0, "", 0, 0, 0, still_open)
    values, inclusive = sorted(done.exclusive), sorted(done.inclusive)
    _, cycle, interrupted = done.slowest
    return HandlerStats(
        handler=handler, irq=number, name=name, calls=len(values), min=values[0],
        p50=nearest_rank(values, 50), p99=nearest_rank(values, 99), max=values[-1],
        max_cycle=cycle, max_at=interrupted, inclusive_p50=nearest_rank(inclusive, 50),
        inclusive_p99=nearest_rank(inclusive, 99), inclusive_max=inclusive[-1],
        open=still_open, samples=tuple(done.exclusive))
