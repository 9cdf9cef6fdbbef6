"""The NVIC and system-exception state of an ARMv7-M core: pure data, no engine.

Implements the priority rules of the ARMv7-M ARM, section B1.5.4 (Exception priorities and
preemption): group priority by PRIGROUP, execution priority from active exceptions and the
PRIMASK/BASEPRI/FAULTMASK boosts, and the choice of the pending exception to take.
"""
from __future__ import annotations

from typing import NamedTuple

from ...peripherals.irq import LatchedInput

RESET, NMI, HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT = 1, 2, 3, 4, 5, 6
SVCALL, DEBUGMON, PENDSV, SYSTICK = 11, 12, 14, 15
IRQ0 = 16
FIXED_PRIORITY = {RESET: -3, NMI: -2, HARDFAULT: -1}
NAMES = {RESET: "Reset", NMI: "NMI", HARDFAULT: "HardFault", MEMMANAGE: "MemManage",
         BUSFAULT: "BusFault", USAGEFAULT: "UsageFault", SVCALL: "SVCall",
         DEBUGMON: "DebugMonitor", PENDSV: "PendSV", SYSTICK: "SysTick"}
NO_PRIORITY = 256


def exception_name(number: int) -> str:
    return NAMES.get(number, f"IRQ{number - IRQ0}" if number >= IRQ0 else f"exception{number}")


class Masks(NamedTuple):
    """The special-purpose mask registers (B1.4.3).  A tuple: built on every exception entry."""

    primask: int = 0
    basepri: int = 0
    faultmask: int = 0


NO_MASKS = Masks()


class Nvic:
    """Pending/enabled/active/priority state of every exception, IRQs and system ones; the
    board's "nvic" interrupt controller (its inputs: ``line``, emulator/peripherals/irq.py)."""

    controller_name = "nvic"

    def __init__(self, num_irq: int, priority_bits: int):
        self.num_irq = num_irq
        self.count = IRQ0 + num_irq
        self.priority_mask = (0xFF << (8 - priority_bits)) & 0xFF
        self.prigroup = 0
        self.enabled = [n < IRQ0 for n in range(self.count)]
        self.pending = [False] * self.count
        self._pending: set[int] = set()        # the same, as a set: few are pending at once
        self.active: list[int] = []            # stack of active exceptions, outermost first
        self.priority = [FIXED_PRIORITY.get(n, 0) for n in range(self.count)]
        self.inputs: list[LatchedInput] = []   # wired interrupt inputs, in wiring order
        self.on_pend = None                    # on_pend(number, name): one became pending

    # inputs (B3.4.1: an asserted interrupt signal makes its exception pending) -------------
    def line(self, irq: int) -> LatchedInput:
        """A new input for external interrupt ``irq`` (exception 16 + irq)."""
        if not 0 <= irq < self.num_irq:
            raise ValueError(f"NVIC interrupt {irq} out of range 0-{self.num_irq - 1}")
        return self.exception_input(IRQ0 + irq)

    def exception_input(self, number: int) -> LatchedInput:
        """A new input for exception ``number`` (SysTick's, inside the SCS)."""
        inp = LatchedInput(number)
        self.inputs.append(inp)
        return inp

    def sample(self) -> bool:
        """Pend every exception whose input was asserted since the last sample (the machine
        samples when it advances its timers, at the instruction boundary it services)."""
        pended = False
        for inp in self.inputs:
            if inp.take():
                self.set_pending(inp.number)
                pended = True
        return pended

    def input_level(self, number: int) -> bool:
        """B3.4.1: whether a wired input of exception ``number`` is still asserted (a
        level-sensitive interrupt pends again at exception return)."""
        for inp in self.inputs:
            if inp.number == number and inp.level:
                return True
        return False

    # configuration -------------------------------------------------------------------------
    def set_priority(self, number: int, value: int) -> None:
        if number not in FIXED_PRIORITY and number < self.count:
            self.priority[number] = value & self.priority_mask

    def group_priority(self, priority: int) -> int:
        """B1.5.4: the group priority field is bits [7:PRIGROUP+1] of the priority."""
        if priority < 0:
            return priority
        return priority & ~((2 << self.prigroup) - 1) & 0xFF

    # B1.5.4 ExecutionPriority() ------------------------------------------------------------
    def execution_priority(self, masks: Masks) -> int:
        highest = NO_PRIORITY
        for n in self.active:
            highest = min(highest, self.group_priority(self.priority[n]))
        boosted = NO_PRIORITY
        if masks.basepri & self.priority_mask:
            boosted = self.group_priority(masks.basepri & self.priority_mask)
        if masks.primask & 1:
            boosted = 0
        if masks.faultmask & 1:
            boosted = -1
        return min(highest, boosted)

    def highest_pending(self) -> int | None:
        """The pending, enabled exception with the highest priority; ties go to the lowest number."""
        if not self._pending:
            return None
        best = None
        for n in sorted(self._pending):
            if self.enabled[n] and n not in self.active:
                if best is None or self.priority[n] < self.priority[best]:
                    best = n
        return best

    def preempts(self, number: int, masks: Masks) -> bool:
        """B1.5.4: ``number``'s group priority beats the execution priority."""
        return self.group_priority(self.priority[number]) < self.execution_priority(masks)

    def next_to_take(self, masks: Masks) -> int | None:
        """The exception that preempts now: its group priority beats the execution priority."""
        n = self.highest_pending()
        if n is not None and self.preempts(n, masks):
            return n
        return None

    def would_take_unmasked(self) -> bool:
        """A pending exception is held off by PRIMASK/BASEPRI/FAULTMASK alone (wakes WFI)."""
        return bool(self._pending) and self.next_to_take(NO_MASKS) is not None

    # state changes ---------------------------------------------------------------------------
    def set_pending(self, number: int) -> None:
        if 0 < number < self.count:
            if self.on_pend is not None and not self.pending[number]:
                self.on_pend(number, exception_name(number))
            self.pending[number] = True
            self._pending.add(number)

    def clear_pending(self, number: int) -> None:
        if 0 < number < self.count:
            self.pending[number] = False
            self._pending.discard(number)

    def activate(self, number: int) -> None:
        """B1.5.6 ExceptionTaken(): the exception becomes active and stops pending."""
        self.pending[number] = False
        self._pending.discard(number)
        self.active.append(number)

    def deactivate(self, number: int) -> None:
        """B1.5.8 DeActivate(): the returning exception is no longer active."""
        self.active.remove(number)

    @property
    def current(self) -> int:
        return self.active[-1] if self.active else 0

    def is_active(self, number: int) -> bool:
        return number in self.active

    def rettobase(self) -> bool:
        return len(self.active) <= 1
