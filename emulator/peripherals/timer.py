"""Down-counting timers clocked by model cycles: the shared counter, SysTick and the CMSDK timer."""
from __future__ import annotations

from . import Peripheral


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
    COUNTFLAG (cleared by a read of CSR) and, with TICKINT, pends SysTick.  Writing RVR does not
    change the current count; RVR = 0 stops the counter at 0 on its next wrap.  Any write to
    CVR clears it and COUNTFLAG, raises nothing, and the next clock loads RVR.
    """

    ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16
    irq = 15

    def __init__(self):
        self.counter = DownCounter()
        self.csr = self.CLKSOURCE
        self.countflag = False
        self.edge = False

    def read(self, reg: int, now: int) -> int:
        self._update(now)
        if reg == 0x0:                               # SYST_CSR, COUNTFLAG clears on read
            value = self.csr | (self.COUNTFLAG if self.countflag else 0)
            self.countflag = False
            return value
        if reg == 0x4:
            return self.counter.reload
        if reg == 0x8:
            return self.counter.value(now)
        return 1 << 31                                # SYST_CALIB: NOREF, no TENMS

    def write(self, reg: int, value: int, now: int) -> None:
        self._update(now)
        if reg == 0x0:
            self._write_csr(value & 0x7, now)
        elif reg == 0x4:                              # B3.3.1: RVR applies from the next reload
            self.counter.set_reload(now, value & 0xFFFFFF)
        elif reg == 0x8:                              # any write clears CVR and COUNTFLAG
            self.countflag = False
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
            self.edge |= bool(self.csr & self.TICKINT)

    def next_event(self) -> int | None:
        return self.counter.next_wrap()

    def advance(self, now: int) -> bool:
        self._update(now)
        edge, self.edge = self.edge, False
        return edge

    def irq_level(self) -> bool:
        return False


class CmsdkTimer(Peripheral):
    """ARM CMSDK APB timer: CTRL +0, VALUE +4, RELOAD +8, INTSTATUS/INTCLEAR +0xC.

    Counts model cycles (PCLK = core clock).  Cortex-M System Design Kit TRM (ARM DDI 0479),
    APB timer: VALUE counts down and on the clock after it reaches 0 loads RELOAD (the same
    counter as SysTick's); a write to RELOAD also writes VALUE.  The 1 -> 0 transition sets
    INTSTATUS only while CTRL.IRQEN is set (as in the kit's RTL and QEMU's model); INTSTATUS
    drives TIMERINT as a level until INTCLEAR, whatever IRQEN does meanwhile.
    """

    kind = "cmsdk-timer"
    EN, IRQ_EN = 1, 8

    def __init__(self, name: str, base: int, size: int, irq: int, **params):
        super().__init__(name, base, size, **params)
        self.irq = 16 + irq
        self.counter = DownCounter()
        self.ctrl = 0
        self.intstatus = False
        self.edge = False

    def read(self, offset: int, size: int, now: int) -> int:
        self._update(now)
        return {0x0: self.ctrl, 0x4: self.counter.value(now), 0x8: self.counter.reload,
                0xC: int(self.intstatus)}.get(offset & ~3, 0)

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        self._update(now)
        reg = offset & ~3
        if reg == 0x0:
            self._write_ctrl(value & 0xF, now)
        elif reg in (0x4, 0x8):                        # DDI 0479: writing RELOAD also loads VALUE
            if reg == 0x8:
                self.counter.set_reload(now, value)
            self._load(now, value)
        elif reg == 0xC and value & 1:
            self.intstatus = False

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

    def _update(self, now: int) -> None:
        if self.counter.take_wraps(now) and self.ctrl & self.IRQ_EN:
            self.edge |= not self.intstatus
            self.intstatus = True

    def advance(self, now: int) -> bool:
        self._update(now)
        edge, self.edge = self.edge, False
        return edge

    def irq_level(self) -> bool:
        return self.intstatus
