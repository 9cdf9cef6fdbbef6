"""ARMv7-M System Control Space at 0xE000E000 (B3.2): SysTick, NVIC, SCB and FP registers."""
from __future__ import annotations

from ...peripherals import Peripheral
from ...peripherals.registers import Register
from ...peripherals.timer import SysTick
from . import nvic as N
from .demcr import Demcr
from .variants import CPUID

CPUID_M4 = 0x410FC241              # Cortex-M4 r0p1 (Cortex-M4 TRM 4.3.1)
VECTKEY = 0x05FA
STKALIGN = 1 << 9
CFSR, HFSR, MMFAR, BFAR = 0xD28, 0xD2C, 0xD34, 0xD38      # B3.2.15-B3.2.18
UFSR_NOCP = 1 << 19                # CFSR bit 19: UsageFault, no coprocessor (B3.2.15)
HFSR_FORCED = 1 << 30              # B3.2.16: a fault escalated to HardFault
SHCSR_ENABLE = {4: 1 << 16, 5: 1 << 17, 6: 1 << 18}       # MEMFAULTENA, BUSFAULTENA, USGFAULTENA
NVIC_BANK = 16                     # B3.4.3: ISER0-15, ICER0-15, ISPR0-15, ICPR0-15, IABR0-15


def _bank(offset: int, name: str, access: str = "rw", **kw) -> Register:
    return Register(offset, name, access, count=NVIC_BANK, **kw)


class SystemControlSpace(Peripheral):
    """Register front end of the NVIC state, the SCB and SysTick (offsets from 0xE000E000)."""

    kind = "scs"
    registers = (
        Register(0x004, "ICTR", "r", read="_read_ictr"),              # B3.2.2 summary
        Register(0x010, "SYST", read="_read_systick", write="_write_systick", count=4),  # B3.3
        _bank(0x100, "ISER", read="_read_enabled", write="_set_enable"),  # B3.4.4-B3.4.8
        _bank(0x180, "ICER", read="_read_enabled", write="_clear_enable"),
        _bank(0x200, "ISPR", read="_read_pending", write="_set_pend"),
        _bank(0x280, "ICPR", read="_read_pending", write="_clear_pend"),
        _bank(0x300, "IABR", "r", read="_read_active"),
        Register(0x400, "IPR", read="_read_ipr", write="_write_ipr", count="num_irq",
                 stride=1, width=1),                                  # B3.4.9, byte-addressable
        Register(0xD00, "CPUID", "r", reset=CPUID_M4),                # B3.2.3
        Register(0xD04, "ICSR", read="icsr", write="_write_icsr"),    # B3.2.4
        Register(0xD08, "VTOR", mask=0xFFFFFF80),                     # B3.2.5
        Register(0xD0C, "AIRCR", read="_read_aircr", write="_write_aircr"),   # B3.2.6
        Register(0xD10, "SCR", mask=0x16),                            # B3.2.7
        Register(0xD14, "CCR", write="_write_ccr", reset=STKALIGN),   # B3.2.8
        Register(0xD18, "SHPR", read="_read_shpr", write="_write_shpr", count=12, stride=1,
                 width=1),                                            # B3.2.10-B3.2.12
        Register(0xD24, "SHCSR", mask=0x70000),                       # B3.2.13
        Register(CFSR, "CFSR", "w1c"),                                # B3.2.15, write 1 to clear
        Register(HFSR, "HFSR", "w1c"),                                # B3.2.16
        Register(0xDFC, "DEMCR", read="_read_demcr", write="_write_demcr"),   # C1.6.5
        Register(0xF00, "STIR", "w", write="_write_stir"),            # software trigger
    )
    lanes = {"read_lanes": "little", "write_lanes": "little"}

    def __init__(self, name: str, base: int, size: int, nvic: N.Nvic, fpu=None,
                 cpu: str = "cortex-m4", demcr=None, **params):
        super().__init__(name, base, size, **params)
        self.nvic, self.fpu, self.num_irq = nvic, fpu, nvic.num_irq
        self.controller = nvic
        self.systick = SysTick()
        self.systick.irq.connect(nvic.exception_input(N.SYSTICK))
        self.map_registers(fallback=fpu)            # CPACR, FPCCR... (B3.2.20, fpu.py)
        self.cpuid = CPUID.get(cpu, CPUID_M4)       # B3.2.3, per variant (variants.py)
        self.on_ccr = None                          # told each CCR write (alignment.py)
        self.demcr = demcr if demcr is not None else Demcr()

    # NVIC banks -------------------------------------------------------------------------------
    def _bits(self, flags, index: int) -> int:
        first = N.IRQ0 + 32 * index
        return sum(1 << i for i in range(32) if first + i < len(flags) and flags[first + i])

    def _read_enabled(self, index: int, now: int) -> int:
        return self._bits(self.nvic.enabled, index)

    def _read_pending(self, index: int, now: int) -> int:
        return self._bits(self.nvic.pending, index)

    def _read_active(self, index: int, now: int) -> int:
        return self._bits([self.nvic.is_active(n) for n in range(self.nvic.count)], index)

    def _each_bit(self, index: int, value: int, action) -> None:
        first = N.IRQ0 + 32 * index
        for i in range(32):
            if value >> i & 1 and first + i < self.nvic.count:
                action(first + i)

    def _set_enable(self, index: int, value: int, now: int) -> None:
        self._each_bit(index, value, lambda n: self.nvic.enabled.__setitem__(n, True))

    def _clear_enable(self, index: int, value: int, now: int) -> None:
        self._each_bit(index, value, lambda n: self.nvic.enabled.__setitem__(n, False))

    def _set_pend(self, index: int, value: int, now: int) -> None:
        self._each_bit(index, value, self.nvic.set_pending)

    def _clear_pend(self, index: int, value: int, now: int) -> None:
        self._each_bit(index, value, self.nvic.clear_pending)

    def _write_stir(self, value: int, now: int) -> None:
        self.nvic.set_pending(N.IRQ0 + (value & 0x1FF))

    # priorities -------------------------------------------------------------------------------
    def _read_ipr(self, n: int, now: int) -> int:
        return self.nvic.priority[N.IRQ0 + n] & 0xFF

    def _write_ipr(self, n: int, value: int, now: int) -> None:
        self.nvic.set_priority(N.IRQ0 + n, value)

    def _read_shpr(self, n: int, now: int) -> int:
        return self.nvic.priority[4 + n] & 0xFF

    def _write_shpr(self, n: int, value: int, now: int) -> None:
        self.nvic.set_priority(4 + n, value)

    # SCB ----------------------------------------------------------------------------------------
    def _read_ictr(self, now: int) -> int:
        return max(0, (self.nvic.num_irq + 31) // 32 - 1)

    def _read_systick(self, n: int, now: int) -> int:
        return self.systick.read(4 * n, now)

    def _write_systick(self, n: int, value: int, now: int) -> None:
        self.systick.write(4 * n, value, now)

    def icsr(self, now: int = 0) -> int:
        """B3.2.4 ICSR: VECTACTIVE, RETTOBASE, VECTPENDING, ISRPENDING, PENDSTSET, PENDSVSET."""
        nv = self.nvic
        pending = nv.highest_pending() or 0
        value = nv.current | (pending << 12)
        value |= (1 << 11) if nv.rettobase() else 0
        value |= (1 << 22) if any(nv.pending[N.IRQ0:]) else 0
        value |= (1 << 26) if nv.pending[N.SYSTICK] else 0
        value |= (1 << 28) if nv.pending[N.PENDSV] else 0
        return value

    def _write_icsr(self, value: int, now: int) -> None:
        for bit, action in ((31, lambda: self.nvic.set_pending(N.NMI)),
                            (28, lambda: self.nvic.set_pending(N.PENDSV)),
                            (27, lambda: self.nvic.clear_pending(N.PENDSV)),
                            (26, lambda: self.nvic.set_pending(N.SYSTICK)),
                            (25, lambda: self.nvic.clear_pending(N.SYSTICK))):
            if value >> bit & 1:
                action()

    def _read_aircr(self, now: int) -> int:
        return (0xFA05 << 16) | (self.nvic.prigroup << 8)

    def _write_aircr(self, value: int, now: int) -> None:
        if value >> 16 == VECTKEY:                  # B3.2.6: writes need VECTKEY
            self.nvic.prigroup = (value >> 8) & 7

    def _read_demcr(self, now: int) -> int:
        return self.demcr.read(now)

    def _write_demcr(self, value: int, now: int) -> None:
        self.demcr.write(value, now)

    def _write_ccr(self, value: int, now: int) -> None:
        self.ccr = (value & 0x31B) | STKALIGN
        if self.on_ccr is not None:
            self.on_ccr(self.ccr, now)

    def fault_enabled(self, number: int) -> bool:
        """SHCSR's enable bit of MemManage, BusFault or UsageFault (B3.2.13)."""
        return bool(self.shcsr & SHCSR_ENABLE.get(number, 0))

    # timer face of SysTick -------------------------------------------------------------------
    def next_event(self) -> int | None:
        return self.systick.next_event()

    def advance(self, now: int) -> bool:
        return self.systick.advance(now)
