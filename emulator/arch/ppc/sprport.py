"""SPR access for Book E through tiny host stubs: Unicorn exposes no SRR0/SRR1/IVPR/IVORn.

Measured (Unicorn 2.1.4, e500v2 model): mtspr/mfspr/rfi run natively, but the SPRs are not
registers of the API.  The stubs live in the board's scratch page (after the Machine.call trap
at offset 0) and are run between emulation slices with ``UnicornCpu.run_stub`` (block callback
muted, no model time).  The GPRs a stub uses, MSR and PC are saved and restored around each run
(one register batch each way; interrupt entry and rfi put their final MSR and PC in the
restoring batch instead), and MSR is cleared for the stub (mtspr of these SPRs is privileged).
Scratch page layout: +0x100 the read stub (one mfspr per READ_SPRS entry), then the fault
loader; +0x200 one entry stub per IVOR, ENTRY_STRIDE bytes apart.

A stub runs with no instruction count (it stops at its end address; each is straight-line code):
Unicorn counts instructions with a code hook that it adds for a counted emu_start and removes,
flushing every translated block, at the next uncounted one — i.e. at the next emulation slice,
which would then retranslate the firmware after every interrupt (measured: half the run time).
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from .booke import (CRITICAL_CLASS, SPR_CSRR0, SPR_CSRR1, SPR_DEAR, SPR_ESR, SPR_IVOR0, SPR_IVPR,
                    SPR_SRR0, SPR_SRR1, encode_spr_access, vector)

STUB_OFFSET = 0x100
ENTRY_OFFSET = 0x200               # one entry stub per IVOR, ENTRY_STRIDE bytes apart
ENTRY_STRIDE = 0x20
IVORS = 16
READ_SPRS = (SPR_IVPR, *range(SPR_IVOR0, SPR_IVOR0 + IVORS), SPR_SRR0, SPR_SRR1, SPR_CSRR0,
             SPR_CSRR1, SPR_DEAR, SPR_ESR)
FAULT_SPRS = (SPR_SRR0, SPR_SRR1, SPR_ESR, SPR_DEAR)
FIRST_GPR = 3
UNCOUNTED = 0                      # run_stub's max_instructions: no count hook (see above)


class _Plan(NamedTuple):
    """One stub run: instructions [start, end), the GPRs it takes and gives, what is saved."""

    start: int
    end: int
    inputs: tuple[str, ...]        # GPRs loaded before the run (then MSR := 0)
    outputs: tuple[str, ...]       # GPRs read after it
    saved: tuple[str, ...]         # every GPR it touches, then "msr", "pc"

    @classmethod
    def of(cls, start: int, count: int, inputs: tuple[int, ...], outputs: tuple[int, ...]) -> "_Plan":
        ins, outs = tuple(f"r{n}" for n in inputs), tuple(f"r{n}" for n in outputs)
        return cls(start, start + 4 * count, ins + ("msr",), outs, (*dict.fromkeys(ins + outs), "msr", "pc"))


class SprPort:
    """Interrupt entry and return through the SPRs; reads them all and loads SRR0/SRR1, ESR and
    DEAR for faults."""

    def __init__(self, cpu, scratch: int):
        self.cpu = cpu
        self.read_stub = scratch + STUB_OFFSET
        self.write_fault = self.read_stub + 4 * len(READ_SPRS) + 4
        self.entry_stubs = scratch + ENTRY_OFFSET
        self._read_all = self._read_plan(0, len(READ_SPRS))
        self._read_srr = self._read_plan(READ_SPRS.index(SPR_SRR0), 2)
        self._read_csrr = self._read_plan(READ_SPRS.index(SPR_CSRR0), 2)
        self._load_fault = _Plan.of(self.write_fault, len(FAULT_SPRS), (3, 4, 5, 6), ())
        self._entry = [_Plan.of(self.entry_stubs + ENTRY_STRIDE * ivor, 4, (5, 6), (3, 4))
                       for ivor in range(IVORS)]

    def _read_plan(self, first: int, count: int) -> _Plan:
        """Read-stub instructions ``first`` .. ``first + count - 1`` (mfspr into r3 + index)."""
        gprs = tuple(range(FIRST_GPR + first, FIRST_GPR + first + count))
        return _Plan.of(self.read_stub + 4 * first, count, (), gprs)

    def install(self) -> None:
        reads = [encode_spr_access("mfspr", spr, FIRST_GPR + i) for i, spr in enumerate(READ_SPRS)]
        self._put(self.read_stub, reads)
        self._put(self.write_fault, [encode_spr_access("mtspr", spr, FIRST_GPR + i)
                                     for i, spr in enumerate(FAULT_SPRS)])
        for ivor in range(IVORS):
            self._put(self.entry_stubs + ENTRY_STRIDE * ivor, self._entry_words(ivor))

    @staticmethod
    def _entry_words(ivor: int) -> list[int]:
        """r3 := IVPR, r4 := IVORn, then SRR0/SRR1 (CSRR0/CSRR1) := r5, r6."""
        srr0, srr1 = (SPR_CSRR0, SPR_CSRR1) if ivor in CRITICAL_CLASS else (SPR_SRR0, SPR_SRR1)
        return [encode_spr_access("mfspr", SPR_IVPR, 3), encode_spr_access("mfspr", SPR_IVOR0 + ivor, 4),
                encode_spr_access("mtspr", srr0, 5), encode_spr_access("mtspr", srr1, 6)]

    def _put(self, addr: int, words: list[int]) -> None:
        self.cpu.write(addr, struct.pack(f">{len(words) + 1}I", *words, 0x48000000))

    # the two hot paths: asynchronous interrupt entry and rfi/rfci ----------------------------
    def enter(self, ivor: int, pc: int, msr: int, entry_msr: int) -> int:
        """The register side of interrupt entry (§4.6) in one stub run: SRR0/SRR1 (CSRR0/CSRR1
        for a critical-class ``ivor``) := pc, msr; then MSR := entry_msr and PC := IVPR || IVORn,
        which is returned."""
        plan = self._entry[ivor]
        saved, (ivpr, ivorn) = self._call(plan, (pc, msr))
        target = vector(ivpr, ivorn)
        self._restore(plan, saved, entry_msr, target)
        return target

    def return_from_interrupt(self, critical: bool) -> int:
        """rfi: MSR := SRR1, PC := SRR0 (rfci: CSRR1, CSRR0), word-aligned; returns that PC."""
        plan = self._read_csrr if critical else self._read_srr
        saved, (srr0, srr1) = self._call(plan, ())
        pc = srr0 & ~3
        self._restore(plan, saved, srr1, pc)
        return pc

    # the rest (faults, sc) ------------------------------------------------------------------
    def read_all(self) -> dict[int, int]:
        """SPR number -> value for IVPR, IVOR0-15, SRR0/1, CSRR0/1, DEAR and ESR."""
        return dict(zip(READ_SPRS, self._run(self._read_all, ())))

    def load_fault(self, pc: int, msr: int, esr: int, dear: int) -> None:
        """SRR0, SRR1, ESR, DEAR := pc, msr, esr, dear (a non-critical synchronous interrupt)."""
        self._run(self._load_fault, (pc, msr, esr, dear))

    # running a stub --------------------------------------------------------------------------
    def _run(self, plan: _Plan, inputs: tuple[int, ...]) -> list[int]:
        """Run ``plan`` with its input GPRs = ``inputs``; return its output GPRs.  Every GPR the
        stub touches, MSR and PC are as before afterwards."""
        saved, values = self._call(plan, inputs)
        self.cpu.regs_write(plan.saved, saved)
        return values

    def _call(self, plan: _Plan, inputs: tuple[int, ...]) -> tuple[list[int], list[int]]:
        """Save, load the inputs (MSR := 0), run, read the outputs; the caller restores."""
        cpu = self.cpu
        saved = cpu.regs_read(plan.saved)
        cpu.regs_write(plan.inputs, (*inputs, 0))
        cpu.run_stub(plan.start, plan.end, UNCOUNTED)
        return saved, (cpu.regs_read(plan.outputs) if plan.outputs else [])

    def _restore(self, plan: _Plan, saved: list[int], msr: int, pc: int) -> None:
        """The saved GPRs back, and MSR and PC set to ``msr``, ``pc`` (one register batch)."""
        self.cpu.regs_write(plan.saved, (*saved[:-2], msr, pc))
