"""MSR[IS]/MSR[DS] = 1 (address space 1): an instruction TLB error interrupt, or the end of the run.

Unicorn 2.1.4's e500v2 model aborts the host process (SIGABRT) when it fetches with MSR[IS] = 1
or loads/stores with MSR[DS] = 1 (measured: an assertion in its MMU code), so the engine must
never run with either bit set.  The board has no MMU model: every address is translated in
address space 0, and address space 1 has no TLB entry.  On an e200 core (e200z3 RM rev. 2):
- §4.6.15 Instruction TLB error (IVOR14): an instruction fetch that misses in the TLB.  SRR0 =
  the instruction whose fetch missed, SRR1 = the MSR then (IS = 1), ESR cleared (no VLE), DEAR
  unchanged; MSR[CE, ME, DE] kept, every other bit cleared, so the handler runs in AS 0.
  This is modelled: after ``mtmsr`` with IS = 1 the miss is at the next instruction, after
  ``rfi``/``rfci`` with IS in SRR1 (CSRR1) at the return address; the fault is reported and
  the firmware's IVOR14 handler entered (or the run ends, see faults.refusal).
- §4.6.14 Data TLB error (IVOR13): taken by the first load or store made with DS = 1, which
  may come many instructions later or never.  fwsandbox does not translate address space 1, so
  DS = 1 is reported as a fault at the instruction setting it and the run ends there, with the
  engine's MSR left as it was (the instruction not performed).
``mtmsr`` is caught by a one-address code hook on every mtmsr the reset scan finds in the
image's executable segments (a Python call per executed mtmsr, none elsewhere); rfi/rfci are
the core's own (ppc/core.py).  Code written to RAM at run time is not scanned (as for rfi).
"""
from __future__ import annotations

from typing import NamedTuple

from . import booke as B

SPACE_BITS = B.MSR_IS | B.MSR_DS


class SpaceFault(NamedTuple):
    """A fault from an MSR value selecting address space 1: where, what, the MSR to keep."""

    kind: str
    pc: int
    message: str
    msr: int                        # the engine's MSR meanwhile (never with IS/DS set)
    resume_pc: int                  # the engine's PC meanwhile


def space_fault(msr: int, pc: int, next_pc: int, by: str, old_msr: int) -> SpaceFault | None:
    """The fault of ``by`` (the instruction at ``pc``, e.g. 'mtmsr') setting MSR := ``msr``,
    after which control goes to ``next_pc``; None when ``msr`` selects address space 0."""
    if msr & B.MSR_IS:
        return SpaceFault("instruction-tlb-error", next_pc,
                          f"instruction fetch in address space 1 (MSR[IS] = 1, MSR = 0x{msr:08x}, "
                          f"set by {by} at 0x{pc:08x}): no TLB entry translates it (IVOR14)",
                          msr, next_pc)
    if msr & B.MSR_DS:
        return SpaceFault("data-address-space-1", pc,
                          f"{by} sets MSR[DS] = 1 (MSR = 0x{msr:08x}): loads and stores would be "
                          "translated in address space 1, which has no TLB entry (the first "
                          "takes a data TLB error, IVOR13); address space 1 is not modelled",
                          old_msr & ~SPACE_BITS, pc)
    return None


class AddressSpaces:
    """Vets every MSR value an mtmsr or rfi/rfci would install, for ``BookECore``."""

    def __init__(self, core):
        self.core = core
        self.pending: SpaceFault | None = None     # found inside an engine hook

    def hook(self, addr: int, rs: int) -> None:
        """Put the mtmsr check on the ``mtmsr rS`` at ``addr``."""
        self.core.cpu.on_code(lambda a, s: self._at_mtmsr(a, rs), addr, addr)

    def _at_mtmsr(self, pc: int, rs: int) -> None:
        """Before the mtmsr at ``pc``: let it run unless it selects address space 1."""
        cpu = self.core.cpu
        value = cpu.reg(f"r{rs}")
        if value & SPACE_BITS:
            self.pending = space_fault(value, pc, pc + 4, "mtmsr", cpu.reg("msr"))
            cpu.stop()                              # before the mtmsr runs

    def after_return(self, kind: str, pc: int, at: int | None) -> bool:
        """rfi/rfci just set MSR from SRR1/CSRR1 and PC := ``pc``: fault if that is AS 1."""
        msr = self.core.cpu.reg("msr")
        if not msr & SPACE_BITS:
            return False
        self.take(space_fault(msr, at if at is not None else pc, pc, kind, msr))
        return True

    def take_pending(self) -> bool:
        fault, self.pending = self.pending, None
        if fault is not None:
            self.take(fault)
        return fault is not None

    def take(self, fault: SpaceFault) -> None:
        """Report ``fault`` (the machine enters IVOR14 for an instruction TLB error, else the
        run ends); the engine never keeps IS/DS set once the fault is dealt with."""
        core = self.core
        core.cpu.regs_write(("msr", "pc"), (fault.msr, fault.resume_pc))
        core.host.fault(fault.kind, fault.pc, fault.message)
        msr = core.cpu.reg("msr")
        if msr & SPACE_BITS:                        # not entered: the run has ended
            core.cpu.set_reg("msr", msr & ~SPACE_BITS)
