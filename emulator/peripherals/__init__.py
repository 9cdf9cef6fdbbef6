"""Memory-mapped peripheral models: pure Python, clocked by the machine's cycle count.

Contract of a peripheral (see ``Peripheral``): ``read(offset, size, now) -> int`` and
``write(offset, size, value, now)`` for accesses inside its window, served by its register
table (``registers``, a tuple of registers.Register) through a RegisterMap; ``outputs``, its
interrupt output lines (irq.IrqLine), which the bus connects to controller inputs as the board
says, and ``update_interrupts()``, the one method that drives them from the peripheral's state
(called after every state change: ``sync``, a register access, ``advance``).  Timers also
provide ``next_event() -> cycle | None`` (the next cycle at which their state changes by
itself) and ``sync(now)`` (bring the state up to ``now``); ``advance(now) -> bool`` syncs and
says whether an output rose since the last ``advance``.  A peripheral that is an interrupt
controller gives it as ``controller`` (irq.py describes that contract).
"""
from __future__ import annotations

from .irq import IrqLine
from .registers import Register, RegisterMap

__all__ = ["IrqLine", "Peripheral", "Register", "RegisterMap"]


class Peripheral:
    """Base: a window served by the class's register table (none: reads zero, ignores writes)."""

    kind = "peripheral"
    registers: tuple[Register, ...] = ()
    lanes: dict = {}                 # RegisterMap options of the kind's bus interface
    controller = None                # the interrupt controller this peripheral is, if any

    def __init__(self, name: str, base: int, size: int, **params):
        self.name, self.base, self.size = name, base, size
        self.params = params
        self.outputs: tuple[IrqLine, ...] = ()
        self.regs = RegisterMap(self, ())

    def map_registers(self, fallback=None) -> None:
        """Build the register map (after the fields its array registers name exist)."""
        self.regs = RegisterMap(self, self.registers, fallback=fallback, **self.lanes)

    def read(self, offset: int, size: int, now: int) -> int:
        self.sync(now)
        self.update_interrupts()
        value = self.regs.read(offset, size, now)
        self.update_interrupts()
        return value

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        self.sync(now)
        self.update_interrupts()
        self.regs.write(offset, size, value, now)
        self.update_interrupts()

    def sync(self, now: int) -> None:
        """Bring time-dependent state up to ``now`` (nothing for an untimed peripheral)."""

    def update_interrupts(self) -> None:
        """Drive ``outputs`` from the current state (Renode's UpdateInterrupts())."""

    def next_event(self) -> int | None:
        return None

    def advance(self, now: int) -> bool:
        self.sync(now)
        self.update_interrupts()
        rose = False
        for line in self.outputs:
            rose |= line.take_rise()
        return rose

    def irq_level(self) -> bool:
        """Whether an output is asserted now."""
        return any(line.level for line in self.outputs)
