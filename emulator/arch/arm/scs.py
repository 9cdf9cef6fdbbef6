"""ARMv7-M System Control Space at 0xE000E000 (B3.2): SysTick, NVIC, SCB and FP registers."""
from __future__ import annotations

from ...peripherals import Peripheral
from ...peripherals.timer import SysTick
from . import nvic as N

CPUID_M4 = 0x410FC241              # Cortex-M4 r0p1 (Cortex-M4 TRM 4.3.1)
VECTKEY = 0x05FA
STKALIGN = 1 << 9
CFSR, HFSR, MMFAR, BFAR = 0xD28, 0xD2C, 0xD34, 0xD38      # B3.2.15-B3.2.18
UFSR_NOCP = 1 << 19                # CFSR bit 19: UsageFault, no coprocessor (B3.2.15)
HFSR_FORCED = 1 << 30              # B3.2.16: a fault escalated to HardFault
SHCSR_ENABLE = {4: 1 << 16, 5: 1 << 17, 6: 1 << 18}       # MEMFAULTENA, BUSFAULTENA, USGFAULTENA


class SystemControlSpace(Peripheral):
    """Register front end of the NVIC state, the SCB and SysTick (offsets from 0xE000E000)."""

    kind = "scs"

    def __init__(self, name: str, base: int, size: int, nvic: N.Nvic, fpu=None, **params):
        super().__init__(name, base, size, **params)
        self.nvic, self.fpu = nvic, fpu
        self.cfsr = self.hfsr = 0
        self.systick = SysTick()
        self.vtor = 0
        self.ccr = STKALIGN
        self.scr = 0
        self.shcsr = 0

    # reads ------------------------------------------------------------------------------------
    def read(self, offset: int, size: int, now: int) -> int:
        if 0x400 <= offset < 0x400 + self.nvic.num_irq:        # NVIC_IPR: byte-addressable
            return self._read_bytes(offset, size, lambda o: self.nvic.priority[N.IRQ0 + o - 0x400])
        if 0xD18 <= offset < 0xD24:                            # SHPR1-3
            return self._read_bytes(offset, size, lambda o: self.nvic.priority[4 + o - 0xD18])
        word = self._read_word(offset & ~3, now)
        return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)

    def _read_bytes(self, offset: int, size: int, byte_at) -> int:
        return sum((byte_at(offset + i) & 0xFF) << (8 * i) for i in range(size))

    def _read_word(self, reg: int, now: int) -> int:
        if 0x10 <= reg < 0x20:
            return self.systick.read(reg - 0x10, now)
        if 0x100 <= reg < 0x180 or 0x180 <= reg < 0x200:       # ISER / ICER read the enables
            return self._bits(self.nvic.enabled, reg & 0x7F)
        if 0x200 <= reg < 0x300:                               # ISPR / ICPR read pending
            return self._bits(self.nvic.pending, reg & 0x7F)
        if 0x300 <= reg < 0x380:                               # IABR
            return self._bits([self.nvic.is_active(n) for n in range(self.nvic.count)], reg & 0x7F)
        return self._scb_read(reg)

    def _bits(self, flags: list, reg_offset: int) -> int:
        first = N.IRQ0 + 8 * reg_offset
        return sum(1 << i for i in range(32) if first + i < len(flags) and flags[first + i])

    def _scb_read(self, reg: int) -> int:
        if self.fpu is not None and self.fpu.owns(reg):
            return self.fpu.read(reg)
        return {0x004: max(0, (self.nvic.num_irq + 31) // 32 - 1), 0xD00: CPUID_M4,
                0xD04: self.icsr(), 0xD08: self.vtor,
                0xD0C: (0xFA05 << 16) | (self.nvic.prigroup << 8),
                0xD10: self.scr, 0xD14: self.ccr, 0xD24: self.shcsr,
                CFSR: self.cfsr, HFSR: self.hfsr}.get(reg, 0)

    def icsr(self) -> int:
        """B3.2.4 ICSR: VECTACTIVE, RETTOBASE, VECTPENDING, ISRPENDING, PENDSTSET, PENDSVSET."""
        nv = self.nvic
        pending = nv.highest_pending() or 0
        value = nv.current | (pending << 12)
        value |= (1 << 11) if nv.rettobase() else 0
        value |= (1 << 22) if any(nv.pending[N.IRQ0:]) else 0
        value |= (1 << 26) if nv.pending[N.SYSTICK] else 0
        value |= (1 << 28) if nv.pending[N.PENDSV] else 0
        return value

    # writes -----------------------------------------------------------------------------------
    def write(self, offset: int, size: int, value: int, now: int) -> None:
        if 0x400 <= offset < 0x400 + self.nvic.num_irq:
            for i in range(size):
                self.nvic.set_priority(N.IRQ0 + offset - 0x400 + i, value >> (8 * i))
        elif 0xD18 <= offset < 0xD24:
            for i in range(size):
                self.nvic.set_priority(4 + offset - 0xD18 + i, value >> (8 * i))
        else:
            self._write_word(offset & ~3, value << (8 * (offset & 3)), now)

    def _write_word(self, reg: int, value: int, now: int) -> None:
        if 0x10 <= reg < 0x20:
            self.systick.write(reg - 0x10, value, now)
        elif 0x100 <= reg < 0x300:
            self._write_nvic_bits(reg, value)
        elif reg == 0xF00:                                     # STIR
            self.nvic.set_pending(N.IRQ0 + (value & 0x1FF))
        else:
            self._scb_write(reg, value)

    def _write_nvic_bits(self, reg: int, value: int) -> None:
        first = N.IRQ0 + 8 * (reg & 0x7F)
        for i in range(32):
            n = first + i
            if value >> i & 1 and n < self.nvic.count:
                self._apply_bit(reg & ~0x7F, n)

    def _apply_bit(self, bank: int, n: int) -> None:
        if bank == 0x100:
            self.nvic.enabled[n] = True
        elif bank == 0x180:
            self.nvic.enabled[n] = False
        elif bank == 0x200:
            self.nvic.set_pending(n)
        else:
            self.nvic.clear_pending(n)

    def _scb_write(self, reg: int, value: int) -> None:
        if self.fpu is not None and self.fpu.owns(reg):
            self.fpu.write(reg, value)
        elif reg == CFSR:                                      # write one to clear
            self.cfsr &= ~value
        elif reg == HFSR:
            self.hfsr &= ~value
        elif reg == 0xD04:
            self._write_icsr(value)
        elif reg == 0xD08:
            self.vtor = value & 0xFFFFFF80
        elif reg == 0xD0C and value >> 16 == VECTKEY:
            self.nvic.prigroup = (value >> 8) & 7
        elif reg == 0xD10:
            self.scr = value & 0x16
        elif reg == 0xD14:
            self.ccr = (value & 0x31B) | STKALIGN
        elif reg == 0xD24:
            self.shcsr = value & 0x70000

    def _write_icsr(self, value: int) -> None:
        for bit, action in ((31, lambda: self.nvic.set_pending(N.NMI)),
                            (28, lambda: self.nvic.set_pending(N.PENDSV)),
                            (27, lambda: self.nvic.clear_pending(N.PENDSV)),
                            (26, lambda: self.nvic.set_pending(N.SYSTICK)),
                            (25, lambda: self.nvic.clear_pending(N.SYSTICK))):
            if value >> bit & 1:
                action()

    def fault_enabled(self, number: int) -> bool:
        """SHCSR's enable bit of MemManage, BusFault or UsageFault (B3.2.13)."""
        return bool(self.shcsr & SHCSR_ENABLE.get(number, 0))

    # timer face of SysTick -------------------------------------------------------------------
    def next_event(self) -> int | None:
        return self.systick.next_event()

    def advance(self, now: int) -> bool:
        return self.systick.advance(now)

    irq = N.SYSTICK
