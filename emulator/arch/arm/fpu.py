"""The FPv4-SP floating-point extension's system state and its share of exception entry/return.

ARMv7-M ARM references: B1.4.7 (FP context, CONTROL.FPCA, ExecuteFPCheck), B1.5.6 PushStack()
and UpdateFPCCR(), B1.5.7 (lazy FP state preservation, PreserveFPState()), B1.5.8 PopStack(),
B3.2.20 CPACR, B3.2.21-B3.2.23 FPCCR/FPCAR/FPDSCR, B4.6 MVFR0/MVFR1.  Pure state plus a CPU port
(memory, registers): no engine import.

Unicorn executes the VFP instructions itself and sets CONTROL.FPCA (with the SFPA bit, see
FP_ACTIVE) on the first FP instruction of a context, as FPCCR.ASPEN = 1 asks; it has no NVIC, so
the frames are ours.  Unicorn does not honour any CPACR we can write, so access control and lazy
preservation use the block clock's FP trap: while ``trap_wanted()``, a block holding an FP
instruction stops before it runs and ``CortexMCore`` calls ``check_access``/``preserve``.
"""
from __future__ import annotations

import struct
from typing import Callable

from .variants import MVFR

CPACR_CP10_SHIFT = 20                     # CP10 in bits [21:20], CP11 in [23:22] (B3.2.20)
CPACR_MASK = 0xF << CPACR_CP10_SHIFT
ACCESS_DENIED, ACCESS_PRIVILEGED, ACCESS_FULL = 0b00, 0b01, 0b11
FPCCR_ASPEN, FPCCR_LSPEN = 1 << 31, 1 << 30
FPCCR_LSPACT, FPCCR_USER, FPCCR_THREAD, FPCCR_HFRDY = 1 << 0, 1 << 1, 1 << 3, 1 << 4
FPCCR_MMRDY, FPCCR_BFRDY, FPCCR_MONRDY = 1 << 5, 1 << 6, 1 << 8
FPCCR_WRITABLE = FPCCR_ASPEN | FPCCR_LSPEN | 0x17B     # ASPEN, LSPEN and the state bits
FPDSCR_MASK = 0x07C00000                  # AHP, DN, FZ, RMode (B3.2.23)
CONTROL_FPCA = 1 << 2
FP_ACTIVE = 0xC        # CONTROL.FPCA plus bit 3: Unicorn (QEMU's v8-M code) creates a new FP
                       # context, FPSCR <- 0, on an FP instruction unless both are set
FP_FRAME_REGS = tuple(f"s{i}" for i in range(16)) + ("fpscr",)   # at frame + 0x20 .. + 0x60
FP_FRAME_OFFSET = 0x20
FP_STATE_CYCLES = 17   # stacking or unstacking s0-s15 and FPSCR: one cycle a word (Cortex-M4
                       # TRM 3.3.1 LDM/STM 1+N; ARM AN298: entry 12 -> 29 cycles without lazy stacking)

# SCS offsets from 0xE000E000 and the reads/writes each has.
CPACR, FPCCR, FPCAR, FPDSCR, MVFR0, MVFR1, MVFR2 = 0xD88, 0xF34, 0xF38, 0xF3C, 0xF40, 0xF44, 0xF48


class Fpu:
    """CPACR/FPCCR/FPCAR/FPDSCR of one core, and the FP part of the exception frame.

    ``cpu``: the CpuPort (``read``, ``write``, ``regs_read``, ``regs_write``); ``changed()`` is
    called whenever ``trap_wanted()`` may have changed (the core updates the block clock).
    """

    def __init__(self, cpu, changed: Callable[[], None] = lambda: None, kind: str = "fpv4-sp-d16"):
        self.cpu, self.changed = cpu, changed
        self.mvfr = dict(zip((MVFR0, MVFR1, MVFR2), MVFR[kind]))   # B4.6, per FPU (variants.py)
        self.cpacr = 0                                    # B3.2.20: reset denies CP10/CP11
        self.fpccr = FPCCR_ASPEN | FPCCR_LSPEN            # B3.2.21 reset value
        self.fpcar = 0
        self.fpdscr = 0
        self.registers = {CPACR: "cpacr", FPCCR: "fpccr", FPCAR: "fpcar", FPDSCR: "fpdscr"}

    # SCS registers ----------------------------------------------------------------------------
    def owns(self, reg: int) -> bool:
        return reg in self.registers or reg in self.mvfr

    def read(self, reg: int) -> int:
        if reg in self.mvfr:
            return self.mvfr[reg]
        return getattr(self, self.registers[reg])

    def write(self, reg: int, value: int) -> None:
        if reg == CPACR:
            self.cpacr = value & CPACR_MASK
        elif reg == FPCCR:
            self.fpccr = value & FPCCR_WRITABLE
        elif reg == FPCAR:
            self.fpcar = value & ~7                       # 8-byte aligned (B3.2.22)
        elif reg == FPDSCR:
            self.fpdscr = value & FPDSCR_MASK
        self.changed()

    # access and the trap -----------------------------------------------------------------------
    def access(self) -> int:
        """CP10's CPACR field (CP11 must match it: B3.2.20 makes a mismatch UNPREDICTABLE)."""
        return (self.cpacr >> CPACR_CP10_SHIFT) & 3

    def permits(self, privileged: bool) -> bool:
        """B1.4.7 ExecuteFPCheck(): CheckVFPEnabled() — may an FP instruction execute?"""
        field = self.access()
        return field == ACCESS_FULL or (field == ACCESS_PRIVILEGED and privileged)

    @property
    def lazy_pending(self) -> bool:
        return bool(self.fpccr & FPCCR_LSPACT)

    def trap_wanted(self) -> bool:
        """Whether FP instructions must stop before they run: access is not full, or a lazy
        state preservation is pending."""
        return self.access() != ACCESS_FULL or self.lazy_pending

    # exception entry and return ----------------------------------------------------------------
    def push(self, frame: int, thread: bool, unprivileged: bool, ready: int) -> tuple[bytes, int]:
        """B1.5.6 PushStack() for a frame with FP context at ``frame``: with FPCCR.LSPEN the
        space is reserved and UpdateFPCCR() records it (lazy: nothing to store yet); without,
        s0-s15, FPSCR and the reserved word are stored now.  ``ready``: the HFRDY/MMRDY/BFRDY/
        MONRDY bits.  Returns the bytes to store at frame + 0x20 and the extra cycles."""
        if self.fpccr & FPCCR_LSPEN:
            self._update_fpccr(frame, thread, unprivileged, ready)
            return b"", 0
        return self._state() + bytes(4), FP_STATE_CYCLES

    def _update_fpccr(self, frame: int, thread: bool, unprivileged: bool, ready: int) -> None:
        """B1.5.6 UpdateFPCCR(): LSPACT set, FPCAR at the frame's s0 slot, the state bits."""
        self.fpcar = frame + FP_FRAME_OFFSET
        state = FPCCR_LSPACT | (FPCCR_THREAD if thread else 0) | (FPCCR_USER if unprivileged else 0)
        self.fpccr = (self.fpccr & (FPCCR_ASPEN | FPCCR_LSPEN)) | state | ready
        self.changed()

    def preserve(self) -> int:
        """B1.5.7 PreserveFPState(): the lazy save, run before the first FP instruction that
        finds LSPACT set: s0-s15 and FPSCR to FPCAR, LSPACT cleared.  Returns its cycles."""
        self.cpu.write(self.fpcar, self._state())
        self.fpccr &= ~FPCCR_LSPACT
        self.changed()
        return FP_STATE_CYCLES

    def pop(self, frame: int) -> int:
        """B1.5.8 PopStack() for an extended frame at ``frame``: if the lazy save never
        happened (LSPACT still set) the registers still hold the state and LSPACT clears;
        otherwise s0-s15 and FPSCR are reloaded.  Returns the extra cycles."""
        if self.lazy_pending:
            self.fpccr &= ~FPCCR_LSPACT
            self.changed()
            return 0
        values = struct.unpack("<17I", self.cpu.read(frame + FP_FRAME_OFFSET, 4 * 17))
        self.cpu.regs_write(FP_FRAME_REGS, values)
        return FP_STATE_CYCLES

    def _state(self) -> bytes:
        return struct.pack("<17I", *self.cpu.regs_read(FP_FRAME_REGS))
