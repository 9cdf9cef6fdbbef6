"""Book E fault interrupts: the IVOR, SRR0, ESR and DEAR of each fault, and when its handler may run.

Register settings (e200z3 RM rev. 2 §4.6; the e200z6 RM has the same tables):
- §4.6.3 Data storage (IVOR2): SRR0 = the excepting load/store, DEAR = its data address,
  ESR[ST] for a store, every other ESR bit cleared.
- §4.6.4 Instruction storage (IVOR3): SRR0 = the instruction whose fetch failed; ESR cleared
  (no BO case: this board has no pages with mismatched E/VLE bits); DEAR unchanged.
- §4.6.6 Alignment (IVOR5, table 4-15): SRR0 = the excepting load/store, DEAR = its EA, ESR[ST].
- §4.6.7 Program (IVOR6, table 4-16): SRR0 = the excepting instruction, ESR[PIL] illegal,
  [PPR] privileged, [PTR] trap, every other bit cleared; DEAR unchanged.
- §4.6.15 Instruction TLB error (IVOR14): SRR0 = the instruction whose fetch missed, ESR
  cleared, DEAR unchanged (raised for MSR[IS] = 1: emulator/arch/ppc/addrspace.py).
All five keep MSR[CE, ME, DE] and clear every other bit (``booke.entry_msr``, non-critical).

What the engine reports (Unicorn 2.1.4, e500v2 model, measured): a load/store to unmapped or
protected memory stops it with PC at the access and the data address; a fetch from unmapped or
non-executable memory with PC = that address; an illegal instruction raises interrupt 96, a
trap (tw/twi) or a privileged instruction with MSR[PR] = 1 raises 6, an unaligned lwarx raises 5
— each with PC after the instruction.  Unaligned lwz/lmw/stwcx. and dcbz run without one, so
those alignment cases are not reported.

When the firmware's handler is entered (``refusal`` says why not): IVPR || IVORn must have been
programmed (not 0, not the reset entry), lie in executable board memory and differ from the
faulting address; the fault must not happen inside another fault handler (SRR0/SRR1 would be
overwritten: the hardware would loop); and one instruction must not fault ``RETRY_LIMIT`` times
in a row, each time at the very cycle its handler resumed it (no progress: a handler that fixes
the cause and retries is fine).  Otherwise the run ends.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..faultloop import RETRY_LIMIT
from . import booke as B

INTR_ALIGNMENT, INTR_PROGRAM, INTR_ILLEGAL = 5, 6, 96        # Unicorn 2.1.4 PPC, measured
MASK32 = 0xFFFFFFFF

# Machine fault kind -> (IVOR, ESR bits).  Kinds come from emulator/engine/cpu.py and engine_fault().
CLASSES = {
    "unmapped-read": (B.DATA_STORAGE, 0), "read-protected": (B.DATA_STORAGE, 0),
    "unmapped-write": (B.DATA_STORAGE, B.ESR_ST), "write-protected": (B.DATA_STORAGE, B.ESR_ST),
    "unmapped-fetch": (B.INSTRUCTION_STORAGE, 0), "fetch-protected": (B.INSTRUCTION_STORAGE, 0),
    "unaligned-read": (B.ALIGNMENT, 0), "unaligned-write": (B.ALIGNMENT, B.ESR_ST),
    "undefined-instruction": (B.PROGRAM, B.ESR_PIL),
    "privileged-instruction": (B.PROGRAM, B.ESR_PPR),
    "trap": (B.PROGRAM, B.ESR_PTR),
    "instruction-tlb-error": (B.INSTRUCTION_TLB_ERROR, 0),      # ppc/addrspace.py
}
SETS_DEAR = (B.DATA_STORAGE, B.ALIGNMENT)

# Store-class instructions (Book E opcodes): D-form primary opcodes, X-form extended opcodes.
STORES_D = {36, 37, 38, 39, 44, 45, 47}                      # stw(u) stb(u) sth(u) stmw
STORES_X = {150, 151, 183, 215, 247, 407, 439, 662, 918, 1014}   # stwcx. stwx ... dcbz


FAULT_REGS = tuple(f"r{i}" for i in range(32)) + ("pc", "msr", "lr", "ctr", "cr")   # a dump


@dataclass(frozen=True)
class Syndrome:
    """What one fault interrupt loads: its IVOR, SRR0, ESR and DEAR (None: DEAR unchanged)."""

    ivor: int
    srr0: int
    esr: int
    dear: int | None = None


@dataclass(frozen=True)
class EngineFault:
    """A fault the engine raised as an interrupt number, named as a machine fault."""

    kind: str
    pc: int
    message: str
    address: int | None = None


def interrupt_sprs(kind: str, pc: int, address: int | None, msr: int) -> tuple[tuple[str, int], ...]:
    """SRR0, SRR1, ESR and DEAR as the interrupt of a fault of ``kind`` at ``pc`` loads them
    (§4.6: SRR0 the faulting instruction, SRR1 the MSR it ran under; DEAR only for the data
    storage and alignment interrupts); none for a fault that is no Book E interrupt."""
    found = syndrome(kind, pc, address)
    if found is None:
        return ()
    sprs = (("srr0", found.srr0), ("srr1", msr), ("esr", found.esr))
    return sprs + ((("dear", found.dear),) if found.dear is not None else ())


def syndrome(kind: str, pc: int, address: int | None) -> Syndrome | None:
    """The Book E interrupt a machine fault becomes, or None when it has none (or lacks DEAR)."""
    if kind not in CLASSES:
        return None
    ivor, esr = CLASSES[kind]
    if ivor in SETS_DEAR:
        return None if address is None else Syndrome(ivor, pc, esr, address & MASK32)
    return Syndrome(ivor, pc, esr)


def engine_fault(intno: int, pc: int, word: int, gpr: Callable[[int], int]) -> EngineFault | None:
    """Name the fault behind engine interrupt ``intno`` (PC after the instruction ``word``)."""
    at = (pc - 4) & MASK32
    if intno == INTR_ILLEGAL:
        return EngineFault("undefined-instruction", at, "illegal instruction")
    if intno == INTR_PROGRAM and is_trap(word):
        return EngineFault("trap", at, "trap instruction (tw/twi condition met)")
    if intno == INTR_PROGRAM:
        return EngineFault("privileged-instruction", at, "privileged instruction with MSR[PR] = 1")
    if intno == INTR_ALIGNMENT:
        ea = effective_address(word, gpr)
        kind = "unaligned-write" if is_store(word) else "unaligned-read"
        return EngineFault(kind, at, f"{kind} at address 0x{ea:08x}", ea)
    return None


def is_trap(word: int) -> bool:
    """twi (primary opcode 3) or tw (31 / extended opcode 4)."""
    return word >> 26 == 3 or (word >> 26 == 31 and (word >> 1) & 0x3FF == 4)


def is_store(word: int) -> bool:
    if word >> 26 == 31:
        return (word >> 1) & 0x3FF in STORES_X
    return word >> 26 in STORES_D


def effective_address(word: int, gpr: Callable[[int], int]) -> int:
    """EA of a D-form ((rA|0) + d) or X-form ((rA|0) + rB) load/store."""
    ra, rb = (word >> 16) & 31, (word >> 11) & 31
    base = gpr(ra) if ra else 0
    if word >> 26 == 31:
        return (base + gpr(rb)) & MASK32
    d = word & 0xFFFF
    return (base + d - (0x10000 if d & 0x8000 else 0)) & MASK32


def refusal(syn: Syndrome, target: int, entry: int, executable: bool, active: list,
            repeats: int) -> str | None:
    """Why the IVORn handler at ``target`` must not be entered for ``syn``, or None."""
    inside = next((a for a in reversed(active) if a.number in B.FAULT_CLASS), None)
    if inside is not None:
        return f"fault inside the {inside.name} handler {inside.handler}"
    if target in (0, entry):
        return f"IVPR/IVOR{syn.ivor} not set up (vector 0x{target:08x})"
    if not executable:
        return f"IVOR{syn.ivor} vector 0x{target:08x} is not in executable memory"
    if target == syn.srr0:
        return f"IVOR{syn.ivor} vector 0x{target:08x} is the faulting address"
    if repeats >= RETRY_LIMIT:
        return f"{repeats} faults in a row at the same instruction without progress"
    return None
