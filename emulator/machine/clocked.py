"""The machine's clocked peripherals as one: their next event, advancing them to the clock's
``now`` (then the interrupt controllers sample the lines they drive), and those lines' levels.

Plain loops, not min()/any() over generators: these run several times per interrupt.
"""
from __future__ import annotations

NEVER = 1 << 62                    # no event: later than any cycle budget


class ClockedPeripherals:
    """Timers on the bus and inside the core; ``interrupts`` (peripherals/irq.Interrupts) are
    the controllers their output lines are wired to."""

    def __init__(self, peripherals: list, clock, interrupts):
        self.peripherals, self.clock, self.interrupts = peripherals, clock, interrupts

    def next_event(self) -> int:
        soonest = NEVER
        for p in self.peripherals:
            t = p.next_event()
            if t is not None and t < soonest:
                soonest = t
        return soonest

    def fire(self) -> bool:
        """Advance every timer to ``now``; the controllers pend what their inputs latched.
        True if any interrupt was pended."""
        now = self.clock.now
        for p in self.peripherals:
            p.advance(now)
        return self.interrupts.sample()

    def fire_if_due(self) -> bool:
        """``fire`` if a timer event has come; else False and the timers untouched.

        For use soon after a ``fire`` (late arrival within exception entry): that call took
        every latched edge, so until the next event advancing a timer changes nothing."""
        if self.next_event() > self.clock.now:
            return False
        return self.fire()

    def irq_level(self, number: int) -> bool:
        """B3.4.1: whether a peripheral still asserts IRQ ``number`` (level-sensitive)."""
        return self.interrupts.level(number)
