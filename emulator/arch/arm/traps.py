"""Instructions the block clock stops before (clock.traps): FP checks and CONTROL's FP bits.

A trapped block is stepped in Python up to its trapped instruction, which is then handled as
ARMv7-M requires and executed (DESIGN §5: Unicorn runs VFP code natively but has no CPACR,
lazy stacking or ARMv7-M CONTROL of its own).  Unicorn steps an IT instruction together with
the instruction after it (measured, 2.1.4: emu_start(count=1) at an IT lands past both), so a
trapped instruction inside an IT block is handled at its IT instruction: whether it executes
is decided there from its condition and the flags (A7.3.3 ITSTATE), and nothing between the IT
and it touches FP state or CONTROL.
"""
from __future__ import annotations

from ...engine.clock import FLAG_FP
from .fpu import CONTROL_FPCA, FP_ACTIVE

TRAP_REACH = 64                    # instructions a block can hold before a trapped one
CONTROL_BITS = 0x7                 # nPRIV, SPSEL, FPCA (B1.4.4)
NO_SITE = 1 << 32


def condition_passed(cc: int, nzcv: int) -> bool:
    """ARMv7-M ARM A7.3 ConditionPassed(); ``cc`` in Capstone numbering (EQ=1 ... AL=15)."""
    n, z, c, v = (nzcv >> 3) & 1, (nzcv >> 2) & 1, (nzcv >> 1) & 1, nzcv & 1
    base = {1: z, 3: c, 5: n, 7: v, 9: c and not z, 11: n == v, 13: not z and n == v}
    if cc in (0, 15):
        return True
    if cc % 2:
        return bool(base[cc])
    return not base[cc - 1]


class TrapRunner:
    """Runs trapped blocks for a ``CortexMCore`` (its cpu, fpu, nvic, machine and model)."""

    def __init__(self, core):
        self.core, self.cpu, self.host = core, core.cpu, core.host
        self.cs = core.model.cs

    def on_trap(self, pc: int) -> None:
        """The block at ``pc`` holds a trapped instruction: run to the first one and do it."""
        fp, sysreg = self.host.trap_sites(pc)
        target = min(site for site in (fp, sysreg, NO_SITE) if site is not None)
        at = self._run_to(pc, target) if target != NO_SITE else None
        if at is None:
            return
        insn = self._decoded(at, target)
        if insn is None:
            return
        executes = condition_passed(insn.cc, self.cpu.reg("xpsr") >> 28)
        if target == fp:
            self._fp_instruction(target, at, executes)
        else:
            self._control_access(insn, at, executes)

    # the two kinds ---------------------------------------------------------------------------
    def _fp_instruction(self, pc: int, at: int, executes: bool) -> None:
        """B1.4.7 ExecuteFPCheck() before the FP instruction at ``pc`` (reached at ``at``, its
        IT instruction or itself): a UsageFault NOCP if CPACR denies it, else the pending lazy
        save (B1.5.7 PreserveFPState()); then run past it.  A failed condition does neither."""
        if executes:
            fpu = self.core.fpu
            privileged = bool(self.core.nvic.active) or not self.cpu.reg("control") & 1
            if not fpu.permits(privileged):
                self.core.fault_at(at, "usage-fault-nocp", pc, "FP instruction with CP10/CP11 "
                                   "access denied by CPACR (UsageFault NOCP)")
                return
            if fpu.lazy_pending:
                self.host.charge(fpu.preserve())
        self._run_past(at, pc)

    def _control_access(self, insn, at: int, executes: bool) -> None:
        """Run the MRS/MSR of CONTROL with CONTROL as ARMv7-M has it (B1.4.4: nPRIV, SPSEL,
        FPCA): Unicorn keeps a second bit beside FPCA (fpu.FP_ACTIVE) that an MRS would return
        and an MSR must follow."""
        if not self._run_past(at, insn.address) or not executes:
            return
        if insn.mnemonic.startswith("mrs"):
            reg = insn.op_str.split(",")[0].strip()
            if reg in self.cpu.regs:
                self.cpu.set_reg(reg, self.cpu.reg(reg) & CONTROL_BITS)
        else:
            control = self.cpu.reg("control")
            self.cpu.set_reg("control", control | FP_ACTIVE if control & CONTROL_FPCA
                             else control & ~FP_ACTIVE)

    # stepping ----------------------------------------------------------------------------------
    def _run_to(self, start: int, target: int) -> int | None:
        """Step from ``start`` until the PC is ``target`` or an IT instruction whose block holds
        it; that PC, or None if control leaves the block first (an interrupt, a fault)."""
        for _ in range(TRAP_REACH):
            pc = self.cpu.reg("pc") & ~1
            if pc == target or self._it_covers(pc, target):
                return pc
            if not start <= pc < target or not self.host.step_one():
                return None
        return None

    def _run_past(self, at: int, target: int) -> bool:
        """Step from ``at`` until the PC has left [at, target]; False if the run ended."""
        for _ in range(TRAP_REACH):
            if not at <= self.cpu.reg("pc") & ~1 <= target:
                return True
            if not self.host.step_one():
                return False
        return True

    def _it_covers(self, pc: int, target: int) -> bool:
        """Whether ``pc`` holds an IT instruction (IT, ITT, ITE, ... up to 4) covering ``target``."""
        first = next(self.cs.disasm(self.cpu.read(pc, 2), pc), None)
        if first is None or not first.mnemonic.startswith("it"):
            return False
        covered = [i.address for i in self.cs.disasm(self.cpu.read(pc, 18), pc)][1:len(first.mnemonic)]
        return target in covered

    def _decoded(self, at: int, target: int):
        """The instruction at ``target`` decoded from ``at`` (so an IT block gives it its
        condition), or None."""
        return next((i for i in self.cs.disasm(self.cpu.read(at, target - at + 4), at)
                     if i.address == target), None)
