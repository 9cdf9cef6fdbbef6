"""masked-cycles: every stretch the firmware ran with interrupts masked, per function and overall."""
from __future__ import annotations

from dataclasses import dataclass

from ..events import InterruptEntered, InterruptExited, MaskChanged, RunEnded
from ..report.model import Finding, MaskedSection, MaskedStats
from ..rules.model import Rules
from .base import Dispatching, Handlers

LONGEST = 5                            # sections listed overall


@dataclass
class _Open:
    cycle: int
    start: str
    register: str
    depth: int
    context: str


def function_of(location: str) -> str:
    """``pool_alloc`` of ``pool_alloc+0x4`` (an address stays as it is)."""
    return location.split("+", 1)[0] or location


class MaskedSections(Dispatching):
    """A section opens at a ``MaskChanged`` that masks (the firmware masked interrupts) and
    closes at the ``MaskChanged`` that unmasks: its length is the wall time between them, any
    interrupt that still got in (BASEPRI lets higher priorities through) included.

    Masking done by the hardware is not a section: Book E clears MSR[EE] on interrupt entry,
    so a handler runs masked until it sets EE (the issue: EE = 0 counts outside handlers).
    Likewise a section a handler opened and its own exception return closed (the return
    restoring EE from SRR1, ``InterruptExited.context.masked`` false) is the handler's exit
    path and is dropped; a section still open at ``RunEnded`` closes there ("run end").
    ``stats()``: ``MaskedStats`` per function of the masking instruction, sorted;
    ``longest()``: the ``LONGEST`` longest sections, longest (then earliest) first;
    ``findings()``: one ``masked-cycles`` finding per function whose longest section
    exceeds ``budgets.masked_cycles``.
    """

    name = "masked-cycles"

    def __init__(self, rules: Rules | None = None):
        self.budget = rules.budgets.masked_for if rules is not None else (lambda f: None)
        self.open: _Open | None = None
        self.sections: list[MaskedSection] = []

    def handlers(self) -> Handlers:
        return {MaskChanged: self.on_mask_changed, InterruptExited: self.on_exited,
                InterruptEntered: self.on_entered, RunEnded: self.on_run_ended}

    def on_mask_changed(self, event: MaskChanged) -> None:
        if event.masked and self.open is None:
            ctx = event.context
            self.open = _Open(event.cycle, event.location, event.register, ctx.depth, ctx.name)
        elif not event.masked and self.open is not None:
            self._close(event.cycle, event.location)

    def on_entered(self, event: InterruptEntered) -> None:
        if self.open is not None and not event.context.masked:
            self._close(event.cycle - event.entry_cycles, f"entry of {event.handler}")

    def on_exited(self, event: InterruptExited) -> None:
        section = self.open
        if section is not None and section.depth > event.context.depth and not event.context.masked:
            self.open = None                    # the handler's exit path (see the docstring)

    def on_run_ended(self, event: RunEnded) -> None:
        if self.open is not None:
            self._close(event.cycle, "run end")

    def _close(self, cycle: int, end: str) -> None:
        s, self.open = self.open, None
        self.sections.append(MaskedSection(s.cycle, cycle - s.cycle, s.start, end, s.register,
                                           function_of(s.start), s.context))

    def stats(self) -> tuple[MaskedStats, ...]:
        groups: dict[str, list[MaskedSection]] = {}
        for section in self.sections:
            groups.setdefault(section.function, []).append(section)
        return tuple(masked_stats(name, found) for name, found in sorted(groups.items()))

    def longest(self) -> tuple[MaskedSection, ...]:
        return tuple(sorted(self.sections, key=lambda s: (-s.cycles, s.cycle))[:LONGEST])

    def findings(self) -> tuple[Finding, ...]:
        found = []
        for stats in self.stats():
            limit = self.budget(stats.function)
            if limit is not None and stats.max > limit:
                from .budgets import masked_finding
                found.append(masked_finding(stats, limit))
        return tuple(sorted(found, key=lambda f: f.sort_key))


def masked_stats(function: str, sections: list[MaskedSection]) -> MaskedStats:
    longest = min(sections, key=lambda s: (-s.cycles, s.cycle))
    total = sum(s.cycles for s in sections)
    return MaskedStats(function=function, sections=len(sections), total=total,
                       mean=total / len(sections), max=longest.cycles, max_at=longest.start,
                       max_end=longest.end, max_cycle=longest.cycle,
                       samples=tuple(s.cycles for s in sections))
