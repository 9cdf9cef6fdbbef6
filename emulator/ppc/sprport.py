"""SPR access for Book E through tiny host stubs: Unicorn exposes no SRR0/SRR1/IVPR/IVORn.

Measured (Unicorn 2.1.4, e500v2 model): mtspr/mfspr/rfi run natively, but the SPRs are not
registers of the API.  The stubs live in the board's scratch page (after the Machine.call trap
at offset 0) and are run between emulation slices with ``UnicornCpu.run_stub`` (block callback
muted, no model time).  GPRs, MSR and PC are saved and restored around each run, and MSR is
cleared for the stub (mtspr of these SPRs is privileged).
"""
from __future__ import annotations

import struct

from .booke import (SPR_CSRR0, SPR_CSRR1, SPR_DEAR, SPR_ESR, SPR_IVOR0, SPR_IVPR, SPR_SRR0,
                    SPR_SRR1, encode_spr_access)

STUB_OFFSET = 0x100
READ_SPRS = (SPR_IVPR, *range(SPR_IVOR0, SPR_IVOR0 + 16), SPR_SRR0, SPR_SRR1, SPR_CSRR0, SPR_CSRR1,
             SPR_DEAR, SPR_ESR)
FAULT_SPRS = (SPR_SRR0, SPR_SRR1, SPR_ESR, SPR_DEAR)
FIRST_GPR = 3


class SprPort:
    """Reads the interrupt SPRs and loads SRR0/SRR1 or CSRR0/CSRR1 (and ESR/DEAR for faults)."""

    def __init__(self, cpu, scratch: int):
        self.cpu = cpu
        self.read_stub = scratch + STUB_OFFSET
        self.write_srr = self.read_stub + 4 * len(READ_SPRS) + 4
        self.write_csrr = self.write_srr + 12
        self.write_fault = self.write_csrr + 12

    def install(self) -> None:
        reads = [encode_spr_access("mfspr", spr, FIRST_GPR + i) for i, spr in enumerate(READ_SPRS)]
        self._put(self.read_stub, reads)
        self._put(self.write_srr, [encode_spr_access("mtspr", SPR_SRR0, 3),
                                   encode_spr_access("mtspr", SPR_SRR1, 4)])
        self._put(self.write_csrr, [encode_spr_access("mtspr", SPR_CSRR0, 3),
                                    encode_spr_access("mtspr", SPR_CSRR1, 4)])
        self._put(self.write_fault, [encode_spr_access("mtspr", spr, FIRST_GPR + i)
                                     for i, spr in enumerate(FAULT_SPRS)])

    def _put(self, addr: int, words: list[int]) -> None:
        self.cpu.write(addr, struct.pack(f">{len(words) + 1}I", *words, 0x48000000))

    def read_all(self) -> dict[int, int]:
        """SPR number -> value for IVPR, IVOR0-15, SRR0/1, CSRR0/1, DEAR and ESR."""
        values = self._run(self.read_stub, len(READ_SPRS), {})
        return dict(zip(READ_SPRS, values))

    def load_save_restore(self, pc: int, msr: int, critical: bool) -> None:
        """SRR0/SRR1 (CSRR0/CSRR1 for critical-class interrupts) := pc, msr."""
        self._run(self.write_csrr if critical else self.write_srr, 2, {3: pc, 4: msr})

    def load_fault(self, pc: int, msr: int, esr: int, dear: int) -> None:
        """SRR0, SRR1, ESR, DEAR := pc, msr, esr, dear (a non-critical synchronous interrupt)."""
        self._run(self.write_fault, len(FAULT_SPRS), {3: pc, 4: msr, 5: esr, 6: dear})

    def _run(self, stub: int, count: int, inputs: dict[int, int]) -> list[int]:
        cpu = self.cpu
        regs = [f"r{FIRST_GPR + i}" for i in range(max(count, 2))]
        saved = {name: cpu.reg(name) for name in (*regs, "msr", "pc")}
        for n, value in inputs.items():
            cpu.set_reg(f"r{n}", value)
        cpu.set_reg("msr", 0)
        cpu.run_stub(stub, stub + 4 * count)
        values = [cpu.reg(name) for name in regs[:count]]
        for name, value in saved.items():
            cpu.set_reg(name, value)
        return values
