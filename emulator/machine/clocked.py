"""The machine's clocked peripherals as one: their next event, advancing them to the clock's
``now`` (pending the interrupt of each that raised its line), and their IRQ line levels.

Plain loops, not min()/any() over generators: these run several times per interrupt.
"""
from __future__ import annotations

from typing import Callable

NEVER = 1 << 62                    # no event: later than any cycle budget


class ClockedPeripherals:
    """Timers on the bus and inside the core; ``pend(irq)`` makes an interrupt pending."""

    def __init__(self, peripherals: list, clock, pend: Callable[[int], None]):
        self.peripherals, self.clock, self.pend = peripherals, clock, pend

    def next_event(self) -> int:
        soonest = NEVER
        for p in self.peripherals:
            t = p.next_event()
            if t is not None and t < soonest:
                soonest = t
        return soonest

    def fire(self) -> bool:
        """Advance every timer to ``now``; pend the interrupt of each that raised its line.
        True if any interrupt was pended."""
        now, pended = self.clock.now, False
        for p in self.peripherals:
            if p.advance(now) and p.irq is not None:
                self.pend(p.irq)
                pended = True
        return pended

    def fire_if_due(self) -> bool:
        """``fire`` if a timer event has come; else False and the timers untouched.

        For use soon after a ``fire`` (late arrival within exception entry): that call took
        every latched edge, so until the next event advancing a timer changes nothing."""
        if self.next_event() > self.clock.now:
            return False
        return self.fire()

    def irq_level(self, number: int) -> bool:
        """B3.4.1: whether a peripheral still asserts IRQ ``number`` (level-sensitive)."""
        for p in self.peripherals:
            if p.irq == number and p.irq_level():
                return True
        return False
