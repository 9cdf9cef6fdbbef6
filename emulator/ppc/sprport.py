"""SPR access for Book E through tiny host stubs: Unicorn exposes no SRR0/SRR1/IVPR/IVORn.

Measured (Unicorn 2.1.4, e500v2 model): mtspr/mfspr/rfi run natively, but the SPRs are not
registers of the API.  The stubs live in the board's scratch page (after the Machine.call trap
at offset 0) and are run between emulation slices with ``UnicornCpu.run_stub`` (block callback
muted, no model time).  The GPRs a stub uses, MSR and PC are saved and restored around each run
(one register batch each way), and MSR is cleared for the stub (mtspr of these SPRs is
privileged).

A stub runs with no instruction count (it stops at its end address; each is straight-line code):
Unicorn counts instructions with a code hook that it adds for a counted emu_start and removes,
flushing every translated block, at the next uncounted one — i.e. at the next emulation slice,
which would then retranslate the firmware after every interrupt (measured: half the run time).
"""
from __future__ import annotations

import struct

from .booke import (CRITICAL_CLASS, SPR_CSRR0, SPR_CSRR1, SPR_DEAR, SPR_ESR, SPR_IVOR0, SPR_IVPR,
                    SPR_SRR0, SPR_SRR1, encode_spr_access)

STUB_OFFSET = 0x100
ENTRY_OFFSET = 0x200               # one entry stub per IVOR, ENTRY_STRIDE bytes apart
ENTRY_STRIDE = 0x20
IVORS = 16
READ_SPRS = (SPR_IVPR, *range(SPR_IVOR0, SPR_IVOR0 + IVORS), SPR_SRR0, SPR_SRR1, SPR_CSRR0,
             SPR_CSRR1, SPR_DEAR, SPR_ESR)
FAULT_SPRS = (SPR_SRR0, SPR_SRR1, SPR_ESR, SPR_DEAR)
FIRST_GPR = 3
UNCOUNTED = 0                      # run_stub's max_instructions: no count hook (see above)


class SprPort:
    """Reads the interrupt SPRs and loads SRR0/SRR1 or CSRR0/CSRR1 (and ESR/DEAR for faults)."""

    def __init__(self, cpu, scratch: int):
        self.cpu = cpu
        self.read_stub = scratch + STUB_OFFSET
        self.write_srr = self.read_stub + 4 * len(READ_SPRS) + 4
        self.write_csrr = self.write_srr + 12
        self.write_fault = self.write_csrr + 12
        self.entry_stubs = scratch + ENTRY_OFFSET
        self._save_lists: dict[tuple, tuple[str, ...]] = {}   # (inputs, outputs) -> registers saved

    def install(self) -> None:
        reads = [encode_spr_access("mfspr", spr, FIRST_GPR + i) for i, spr in enumerate(READ_SPRS)]
        self._put(self.read_stub, reads)
        self._put(self.write_srr, [encode_spr_access("mtspr", SPR_SRR0, 3),
                                   encode_spr_access("mtspr", SPR_SRR1, 4)])
        self._put(self.write_csrr, [encode_spr_access("mtspr", SPR_CSRR0, 3),
                                    encode_spr_access("mtspr", SPR_CSRR1, 4)])
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

    def read_all(self) -> dict[int, int]:
        """SPR number -> value for IVPR, IVOR0-15, SRR0/1, CSRR0/1, DEAR and ESR."""
        values = self._run(self.read_stub, len(READ_SPRS), {}, self._gprs(0, len(READ_SPRS)))
        return dict(zip(READ_SPRS, values))

    def read_save_restore(self, critical: bool) -> tuple[int, int]:
        """(SRR0, SRR1), or (CSRR0, CSRR1): the part of the read stub that reads them."""
        first = READ_SPRS.index(SPR_CSRR0 if critical else SPR_SRR0)
        return tuple(self._run(self.read_stub + 4 * first, 2, {}, self._gprs(first, 2)))

    def enter(self, ivor: int, pc: int, msr: int) -> tuple[int, int]:
        """SRR0/SRR1 (CSRR0/CSRR1 for critical-class ``ivor``) := pc, msr; returns the
        (IVPR, IVORn) read just before, in one stub run."""
        stub = self.entry_stubs + ENTRY_STRIDE * ivor
        return tuple(self._run(stub, 4, {5: pc, 6: msr}, ("r3", "r4")))

    def load_save_restore(self, pc: int, msr: int, critical: bool) -> None:
        """SRR0/SRR1 (CSRR0/CSRR1 for critical-class interrupts) := pc, msr."""
        self._run(self.write_csrr if critical else self.write_srr, 2, {3: pc, 4: msr}, ())

    def load_fault(self, pc: int, msr: int, esr: int, dear: int) -> None:
        """SRR0, SRR1, ESR, DEAR := pc, msr, esr, dear (a non-critical synchronous interrupt)."""
        self._run(self.write_fault, len(FAULT_SPRS), {3: pc, 4: msr, 5: esr, 6: dear}, ())

    def _gprs(self, first: int, count: int) -> tuple[str, ...]:
        """Names of the GPRs that read-stub instructions ``first`` .. ``first + count - 1`` load."""
        return tuple(f"r{FIRST_GPR + i}" for i in range(first, first + count))

    def _run(self, stub: int, count: int, inputs: dict[int, int], outputs: tuple[str, ...]) -> list[int]:
        """Run ``count`` stub instructions with GPR n = inputs[n]; return the ``outputs`` GPRs.
        Every GPR the stub touches, MSR and PC are as before afterwards."""
        cpu = self.cpu
        names = self._saved_names(tuple(inputs), outputs)
        saved = cpu.regs_read(names)
        cpu.regs_write(tuple(f"r{n}" for n in inputs) + ("msr",), (*inputs.values(), 0))
        cpu.run_stub(stub, stub + 4 * count, UNCOUNTED)
        values = cpu.regs_read(outputs) if outputs else []
        cpu.regs_write(names, saved)
        return values

    def _saved_names(self, inputs: tuple[int, ...], outputs: tuple[str, ...]) -> tuple[str, ...]:
        key = (inputs, outputs)
        names = self._save_lists.get(key)
        if names is None:
            gprs = dict.fromkeys([*(f"r{n}" for n in inputs), *outputs])
            names = self._save_lists[key] = (*gprs, "msr", "pc")
        return names
