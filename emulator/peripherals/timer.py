"""Down-counting timers clocked by model cycles: the shared counter, SysTick and the CMSDK timer."""
from __future__ import annotations

from . import Peripheral
from .irq import IrqLine
from .registers import Register, RegisterMap


class DownCounter:
    """A counter that decrements once per cycle and reloads ``reload`` the cycle after 0.

    Started (or rebased) at cycle ``t0`` holding ``v0``, it reaches 0 first at ``t0 + v0`` (or,
    from 0, at ``t0 + reload + 1``) and then every ``reload + 1`` cycles: the wrap events.  No
    per-cycle work: the count is computed from ``t0``, so ``reload`` may change only through
    ``set_reload`` while running (which rebases), never by assignment.
    """

    def __init__(self):
        self.running = False
        self.reload = 0
        self.t0 = 0
        self.v0 = 0
        self.counted = 0             # wrap events already reported

    def start(self, now: int, value: int) -> None:
        self.running, self.t0, self.v0, self.counted = True, now, value, 0

    def stop(self, now: int) -> None:
        self.v0 = self.value(now)
        self.running = False

    def set_reload(self, now: int, reload: int) -> None:
        """ARMv7-M ARM B3.3.1: a new reload value leaves the current count alone; the counter
        loads it on the clock after it next reaches 0.  So the running count is rebased at
        ``now`` (the past stays computed with the old value).  Callers take the wraps up to
        ``now`` first, as for ``stop``."""
        if self.running:
            self.t0, self.v0, self.counted = now, self.value(now), 0
        self.reload = reload

    def first(self) -> int | None:
        if self.v0 == 0 and self.reload == 0:
            return None
        return self.t0 + (self.v0 if self.v0 else self.reload + 1)

    def value(self, now: int) -> int:
        first = self.first()
        if not self.running or first is None or now == self.t0:
            return self.v0
        if now <= first:
            return first - now
        if self.reload == 0:
            return 0
        phase = (now - first) % (self.reload + 1)
        return 0 if phase == 0 else self.reload + 1 - phase

    def wraps(self, now: int) -> int:
        """Number of 1->0 transitions from start up to and including ``now``."""
        if not self.running:
            return 0
        first = self.first()
        if first is None or now < first:
            return 0
        if self.reload == 0:
            return 1
        return 1 + (now - first) // (self.reload + 1)

    def next_wrap(self) -> int | None:
        if not self.running:
            return None
        first = self.first()
        if first is None:
            return None
        if self.counted == 0:
            return first
        return None if self.reload == 0 else first + self.counted * (self.reload + 1)

    def take_wraps(self, now: int) -> int:
        """Wraps since the last call (so each is reported once); none while stopped (callers
        take the wraps up to ``now`` before they stop the counter)."""
        if not self.running:
            return 0
        total = self.wraps(now)
        new, self.counted = total - self.counted, total
        return new


class SysTick:
    """ARMv7-M SysTick (B3.3): CSR/RVR/CVR/CALIB at 0xE000E010, CLKSOURCE=1 counts core cycles.

    Lives inside the system control space; the SCS forwards offsets 0x10-0x1F here.  B3.3.1
    "SysTick operation": enabled, the counter counts down from CVR and on the clock after it
    reaches 0 loads RVR (from CVR = 0 that is the first clock); the 1 -> 0 transition sets
    COUNTFLAG (cleared by a read of CSR) and, with TICKINT, pends SysTick: an event on ``irq``
    (the SCS wires it to the NVIC's SysTick input).  Writing RVR does not change the current
    count; RVR = 0 stops the counter at 0 on its next wrap.  Any write to CVR clears it and
    COUNTFLAG, raises nothing, and the next clock loads RVR.
    """

    ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16
    # B3.3.2-B3.3.5: SYST_CSR, SYST_RVR, SYST_CVR, SYST_CALIB (offsets from 0xE000E010)
    registers = (
        Register(0x0, "CSR", read="_read_csr", write="_write_csr", mask=0x7),
        Register(0x4, "RVR", read="_read_rvr", write="_write_rvr", mask=0xFFFFFF),
        Register(0x8, "CVR", read="_read_cvr", write="_write_cvr"),
        Register(0xC, "CALIB", "r", reset=1 << 31),          # NOREF, no TENMS
    )

    def __init__(self):
        self.counter = DownCounter()
        self.csr = self.CLKSOURCE
        self.countflag = False
        self.irq = IrqLine("systick")
        self.regs = RegisterMap(self, self.registers)

    def read(self, reg: int, now: int) -> int:
        self._update(now)
        return self.regs.read(reg, 4, now)

    def write(self, reg: int, value: int, now: int) -> None:
        self._update(now)
        self.regs.write(reg, 4, value, now)

    def _read_csr(self, now: int) -> int:
        value = self.csr | (self.COUNTFLAG if self.countflag else 0)
        self.countflag = False                          # COUNTFLAG clears on read
        return value

    def _read_rvr(self, now: int) -> int:
        return self.counter.reload

    def _read_cvr(self, now: int) -> int:
        return self.counter.value(now)

    def _write_rvr(self, value: int, now: int) -> None:
        self.counter.set_reload(now, value)             # B3.3.1: applies from the next reload

    def _write_cvr(self, value: int, now: int) -> None:
        self.countflag = False                          # any write clears CVR and COUNTFLAG
        self._restart(now, 0)

    def _write_csr(self, value: int, now: int) -> None:
        was_on, self.csr = self.csr & self.ENABLE, value | self.CLKSOURCE
        if value & self.ENABLE and not was_on:
            self._restart(now, self.counter.v0)
        elif was_on and not value & self.ENABLE:
            self.counter.stop(now)

    def _restart(self, now: int, value: int) -> None:
        if self.csr & self.ENABLE:
            self.counter.start(now, value)
        else:
            self.counter.v0 = value

    def _update(self, now: int) -> None:
        if self.counter.take_wraps(now):
            self.countflag = True
            if self.csr & self.TICKINT:
                self.irq.pulse()

    def next_event(self) -> int | None:
        return self.counter.next_wrap()

    def advance(self, now: int) -> bool:
        self._update(now)
        return self.irq.take_rise()


class CmsdkTimer(Peripheral):
    """ARM CMSDK APB timer: CTRL +0, VALUE +4, RELOAD +8, INTSTATUS/INTCLEAR +0xC.

    Counts model cycles (PCLK = core clock).  Cortex-M System Design Kit TRM (ARM DDI 0479),
    APB timer: VALUE counts down and on the clock after it reaches 0 loads RELOAD (the same
    counter as SysTick's); a write to RELOAD also writes VALUE.  The 1 -> 0 transition sets
    INTSTATUS only while CTRL.IRQEN is set (as in the kit's RTL and QEMU's model); INTSTATUS
    drives TIMERINT (``irq``) as a level until INTCLEAR, whatever IRQEN does meanwhile.
    """

    kind = "cmsdk-timer"
    EN, IRQ_EN = 1, 8
    # DDI 0479 APB timer programmers model; narrow accesses see the whole register
    registers = (
        Register(0x0, "CTRL", write="_write_ctrl", mask=0xF),
        Register(0x4, "VALUE", read="_read_value", write="_write_value"),
        Register(0x8, "RELOAD", read="_read_reload", write="_write_reload"),
        Register(0xC, "INTSTATUS", "w1c", mask=1),          # write: INTCLEAR
    )

    def __init__(self, name: str, base: int, size: int, **params):
        super().__init__(name, base, size, **params)
        self.counter = DownCounter()
        self.irq = IrqLine(f"{name}.irq")
        self.outputs = (self.irq,)
        self.map_registers()

    def _read_value(self, now: int) -> int:
        return self.counter.value(now)

    def _read_reload(self, now: int) -> int:
        return self.counter.reload

    def _write_value(self, value: int, now: int) -> None:
        self._load(now, value)

    def _write_reload(self, value: int, now: int) -> None:
        self.counter.set_reload(now, value)             # DDI 0479: writing RELOAD also loads VALUE
        self._load(now, value)

    def _write_ctrl(self, value: int, now: int) -> None:
        was_on, self.ctrl = self.ctrl & self.EN, value
        if value & self.EN and not was_on:
            self.counter.start(now, self.counter.v0)
        elif was_on and not value & self.EN:
            self.counter.stop(now)

    def _load(self, now: int, value: int) -> None:
        if self.ctrl & self.EN:
            self.counter.start(now, value)
        else:
            self.counter.v0 = value

    def next_event(self) -> int | None:
        return self.counter.next_wrap()

    def sync(self, now: int) -> None:
        if self.counter.take_wraps(now) and self.ctrl & self.IRQ_EN:
            self.intstatus = 1

    def update_interrupts(self) -> None:
        self.irq.set(bool(self.intstatus))
