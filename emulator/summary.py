"""Run summary: interrupts taken per exception, nesting, faults — computed from the event list."""
from __future__ import annotations

from dataclasses import dataclass

from .events import Fault, InterruptEntered


@dataclass(frozen=True)
class InterruptStat:
    irq: int
    name: str
    handler: str
    taken: int
    max_depth: int


def interrupt_stats(events) -> list[InterruptStat]:
    """One row per exception number, sorted by number."""
    rows: dict[int, list] = {}
    for ev in events:
        if isinstance(ev, InterruptEntered):
            row = rows.setdefault(ev.number, [ev.name, ev.handler, 0, 0])
            row[2] += 1
            row[3] = max(row[3], ev.context.depth)
    return [InterruptStat(n, *rows[n]) for n in sorted(rows)]


def faults(events) -> list[Fault]:
    return [ev for ev in events if isinstance(ev, Fault)]


def max_nesting(events) -> int:
    return max((ev.context.depth for ev in events if isinstance(ev, InterruptEntered)), default=0)
