"""latency-cycles: cycles from an interrupt becoming pending to its handler's first instruction, and why."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..events import InterruptAcknowledged, InterruptEntered, InterruptExited, InterruptPended, MaskChanged
from ..report.model import Finding, LatencyStats
from ..rules.model import Rules
from .alloc_cycles import nearest_rank
from .base import Dispatching, Handlers


@dataclass
class _Wait:
    """One pending interrupt: since when, and what ran or masked while it waited."""

    since: int
    masked: dict[str, int] = field(default_factory=dict)      # 'REG at location' -> cycles
    behind: dict[str, int] = field(default_factory=dict)      # handler -> cycles it ran


@dataclass
class _Samples:
    """One interrupt's latencies in order, and the worst (the earliest of the largest):
    (latency, entry cycle, cause); the cause is worked out for a new worst only."""

    values: list[int] = field(default_factory=list)
    worst: tuple[int, int, str] = (-1, 0, "")


class InterruptLatency(Dispatching):
    """Pairs each ``InterruptPended`` with the ``InterruptEntered`` of the same number (or,
    on Book E, the ``InterruptAcknowledged`` naming it: the handler entered is then the
    acknowledged source's); latency = entry cycle (the handler's first instruction, stacking
    included) minus pending cycle.

    While an interrupt waits, the detector charges the wait to what held it: a masked section
    (from ``MaskChanged``: the mask register and the location of the masking instruction, for
    the overlap of the section and the wait) and handlers that ran (from their entry or the
    pending, whichever is later, to their exit).  The cause of the worst case names the
    largest of these, ``tail-chained after X`` when the handler was entered by tail-chaining
    and nothing else held it, else ``exception entry only``.
    ``stats()``: a ``LatencyStats`` per (number, handler), sorted; ``findings()``: one
    ``latency-cycles`` finding per interrupt whose worst latency exceeds its budget.
    """

    name = "latency-cycles"

    def __init__(self, rules: Rules | None = None):
        self.budget = rules.budgets.latency_for if rules is not None else (lambda *a: None)
        self.waits: dict[int, _Wait] = {}
        self.mask: tuple[int, str] | None = None       # (since, 'REG at location') while masked
        self.running: list[tuple[str, int]] = []       # (handler, entry start) outermost first
        self.samples: dict[tuple[int, str, str], _Samples] = {}
        self.unmeasured: dict[tuple[int, str, str], int] = {}
        self.entered: InterruptEntered | None = None   # the last entry, until acknowledged
        self.previous = ""                             # the handler that exited last
        self.last_take: tuple = ((0, "", ""), None, None)   # for _forget: (key, wait, worst)

    def handlers(self) -> Handlers:
        return {InterruptPended: self.on_pended, InterruptEntered: self.on_entered,
                InterruptExited: self.on_exited, InterruptAcknowledged: self.on_acknowledged,
                MaskChanged: self.on_mask_changed}

    def on_pended(self, event: InterruptPended) -> None:
        self.waits.setdefault(event.number, _Wait(event.cycle))

    def on_mask_changed(self, event: MaskChanged) -> None:
        if event.masked and self.mask is None:
            self.mask = (event.cycle, f"{event.register} at {event.location}")
        elif not event.masked and self.mask is not None:
            self._charge_mask(event.cycle)
            self.mask = None

    def _charge_mask(self, cycle: int) -> None:
        since, what = self.mask
        for wait in self.waits.values():
            overlap = cycle - max(since, wait.since)
            if overlap > 0:
                wait.masked[what] = wait.masked.get(what, 0) + overlap

    def on_entered(self, event: InterruptEntered) -> None:
        if self.mask is not None and not event.context.masked:
            self._charge_mask(event.cycle - event.entry_cycles)     # masked until its entry
            self.mask = None
        self.entered = event
        self._take(event.number, event.handler, event.name, event)
        self.running.append((event.handler, event.cycle - event.entry_cycles))

    def on_acknowledged(self, event: InterruptAcknowledged) -> None:
        entered = self.entered
        if entered is None or event.entered_number != entered.number:
            return
        self._forget()
        self._take(event.number, event.handler, event.name, entered)

    def on_exited(self, event: InterruptExited) -> None:
        if not self.running:
            return
        handler, start = self.running.pop()
        self.previous = handler
        for wait in self.waits.values():
            overlap = event.cycle - max(start, wait.since)
            if overlap > 0:
                wait.behind[handler] = wait.behind.get(handler, 0) + overlap

    def _take(self, number: int, handler: str, name: str, entered: InterruptEntered) -> None:
        key = (number, handler, name)
        wait = self.waits.pop(number, None)
        if wait is None:
            self.unmeasured[key] = self.unmeasured.get(key, 0) + 1
            self.last_take = (key, None, None)
            return
        samples = self.samples.get(key)
        if samples is None:
            samples = self.samples[key] = _Samples()
        self.last_take = (key, wait, samples.worst)
        latency = entered.cycle - wait.since
        samples.values.append(latency)
        if latency > samples.worst[0]:
            samples.worst = (latency, entered.cycle, cause_of(wait, entered, self.previous))

    def _forget(self) -> None:
        """Undo the last ``_take``: its entry turned out to be another source's (Book E)."""
        key, wait, worst = self.last_take
        if wait is None:
            self.unmeasured[key] -= 1
            return
        samples = self.samples[key]
        samples.values.pop()
        samples.worst = worst
        self.waits.setdefault(key[0], wait)

    def stats(self) -> tuple[LatencyStats, ...]:
        keys = sorted(k for k in set(self.samples) | set(self.unmeasured)
                      if (k in self.samples and self.samples[k].values) or self.unmeasured.get(k))
        return tuple(latency_stats(k, self.samples.get(k), self.unmeasured.get(k, 0)) for k in keys)

    def findings(self) -> tuple[Finding, ...]:
        found = []
        for stats in self.stats():
            limit = self.budget(stats.handler, stats.name)
            if limit is not None and stats.count and stats.max > limit:
                from .budgets import latency_finding
                found.append(latency_finding(stats, limit))
        return tuple(sorted(found, key=lambda f: f.sort_key))


def cause_of(wait: _Wait, entered: InterruptEntered, previous: str) -> str:
    """What held an interrupt longest while it waited (see ``InterruptLatency``)."""
    held = [(cycles, f"masked by {what}") for what, cycles in wait.masked.items()]
    held += [(cycles, f"behind {handler}") for handler, cycles in wait.behind.items()
             if handler != entered.handler]
    if held:
        cycles, what = max(held, key=lambda item: (item[0], item[1]))
        return f"{what} ({cycles} cycles)"
    if entered.tail_chained:
        return f"tail-chained after {previous}"
    return "exception entry only"


def latency_stats(key: tuple[int, str, str], samples: _Samples | None, unmeasured: int) -> LatencyStats:
    number, handler, name = key
    if samples is None or not samples.values:
        return LatencyStats(number, name, handler, 0, 0, 0, 0, 0, 0, "", unmeasured)
    values = sorted(samples.values)
    _, cycle, cause = samples.worst
    return LatencyStats(irq=number, name=name, handler=handler, count=len(values), min=values[0],
                        p50=nearest_rank(values, 50), p99=nearest_rank(values, 99),
                        max=values[-1], max_cycle=cycle, cause=cause,
                        unmeasured=unmeasured, samples=tuple(samples.values))
