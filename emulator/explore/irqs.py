"""Interrupts as the explorer sees them, per ISA: pending one, whether it could be taken now,
and which ones the firmware enabled with a handler.

Numbers are the ones findings print: Cortex-M exception numbers (``irq 15`` = SysTick, 16 + n =
external IRQn, ARMv7-M ARM B1.5.2); Book E INTC source numbers (``INTC 59``, MPC5554 RM 10.1).
"""
from __future__ import annotations

from ..arch.ppc import booke as B
from ..errors import BadInput

SYSTICK = 15
SYST_CSR_ENABLE, SYST_CSR_TICKINT = 1, 2          # B3.3.3 SysTick Control and Status


def interrupts_of(machine):
    """The explorer's face of ``machine``'s interrupt controller (ArmInterrupts/IntcInterrupts)."""
    core = machine.core
    if hasattr(core, "nvic"):
        return ArmInterrupts(machine)
    if getattr(core, "intc", None) is not None:
        return IntcInterrupts(machine)
    raise BadInput(f"{machine.image.path}: board '{machine.board.name}' has no interrupt "
                   "controller the explorer can pend (NVIC or INTC)")


class ArmInterrupts:
    """NVIC exceptions (ARMv7-M ARM B3.4): pended by setting their pending bit, as ISPR or
    ICSR.PENDSTSET would (B3.4.3, B3.2.4)."""

    def __init__(self, machine):
        self.machine, self.core = machine, machine.core
        self.nvic = machine.core.nvic

    def check(self, number: int, where: str) -> None:
        if not 2 <= number < self.nvic.count:
            raise BadInput(f"{where}: irq {number} is not an exception of board "
                           f"'{self.machine.board.name}' (2-{self.nvic.count - 1}; "
                           "15 = SysTick, 16 + n = IRQn)")

    def pend(self, number: int) -> None:
        self.nvic.set_pending(number)

    def name(self, number: int) -> str:
        return f"irq {number}"

    def takeable(self, number: int) -> bool:
        """B1.5.4: enabled, not active, and its group priority beats the execution priority."""
        nvic = self.nvic
        return (nvic.enabled[number] and number not in nvic.active
                and nvic.preempts(number, self.core.exc.masks()))

    def candidates(self) -> tuple[int, ...]:
        """SysTick if it counts with TICKINT set, and every enabled IRQ whose vector is set."""
        found = []
        systick = getattr(self.core.scs, "systick", None)
        csr = getattr(systick, "csr", 0) if systick is not None else 0
        if csr & SYST_CSR_ENABLE and csr & SYST_CSR_TICKINT and self._has_vector(SYSTICK):
            found.append(SYSTICK)
        for number in range(16, self.nvic.count):
            if self.nvic.enabled[number] and self._has_vector(number):
                found.append(number)
        return tuple(found)

    def _has_vector(self, number: int) -> bool:
        try:
            return self.core.exc.vector(number) & ~1 != 0
        except Exception:                   # the vector table is shorter than the NVIC
            return False


class IntcInterrupts:
    """INTC hardware sources (MPC5554 RM 10.4.2): the explorer drives an input of its own on
    the source, held asserted until the core acknowledges that source (IACKR), as a
    peripheral's request is held until its handler clears it."""

    def __init__(self, machine):
        self.machine, self.core = machine, machine.core
        self.intc = machine.core.intc
        self._inputs: dict[int, object] = {}
        self._held: set[int] = set()
        chained = self.intc.on_acknowledge

        def on_acknowledge(source, now):
            if source in self._held:
                self._held.discard(source)
                self._inputs[source].set(False)
            if chained is not None:
                chained(source, now)
        self.intc.on_acknowledge = on_acknowledge

    def check(self, number: int, where: str) -> None:
        if not 0 <= number < self.intc.sources:
            raise BadInput(f"{where}: INTC source {number} out of range 0-{self.intc.sources - 1} "
                           f"on board '{self.machine.board.name}'")

    def pend(self, number: int) -> None:
        inp = self._inputs.get(number)
        if inp is None:
            inp = self._inputs[number] = self.intc.line(number)
        self._held.add(number)
        inp.set(True)

    def name(self, number: int) -> str:
        return f"INTC {number}"

    def takeable(self, number: int) -> bool:
        """§4.8 / RM 10.4.2: MSR[EE] set and the source's priority above the current one."""
        msr = self.machine.cpu.reg("msr")
        prio = self.intc.priority[number]
        return bool(not B.masked_by(msr, B.EXTERNAL_INPUT) and prio and prio > self.intc.cpr)

    def candidates(self) -> tuple[int, ...]:
        """Every source with a nonzero priority (PSR) whose software vector entry is set."""
        found = []
        for source in range(self.intc.sources):
            if self.intc.priority[source] and self._has_vector(source):
                found.append(source)
        return tuple(found)

    def _has_vector(self, source: int) -> bool:
        try:
            word = self.machine.cpu.read(self.intc.vector_address(source), 4)
        except Exception:
            return False
        return int.from_bytes(word, "big") != 0


def depth_of(machine) -> int:
    """How many interrupts are active (nested) now: 0 in thread code."""
    core = machine.core
    return len(core.nvic.active) if hasattr(core, "nvic") else len(core.active)
