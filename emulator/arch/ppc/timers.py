"""Book E timer facility counting model cycles: time base, decrementer, fixed-interval timer.

e200z3 RM rev. 2 §2.11 (TCR, TSR, TB, DEC, DECAR), §4.6.11/§4.6.12.  One time-base tick per
model cycle.  DEC: a nonzero value written at cycle t decrements from t + 1 on; the decrement
from 1 sets TSR[DIS] (at t + DEC) and, with TCR[ARE], loads DECAR instead of 0 (so the period is
DECAR); without ARE the DEC stops at 0.  Writing 0 raises nothing.  FIT: TSR[FIS] is set when
the TB bit selected by TCR[FP]||TCR[FPEXT] goes 0 -> 1 (tracked while TCR[FIE] = 1).  The
watchdog is not modelled.  Unicorn's own timer SPRs stay inert: the core intercepts every
mtspr/mfspr of these SPRs (see emulator/arch/ppc/core.py).
"""
from __future__ import annotations

from .booke import (SPR_DEC, SPR_DECAR, SPR_TBL_R, SPR_TBL_W, SPR_TBU_R, SPR_TBU_W, SPR_TCR,
                    SPR_TSR)

TCR_DIE, TCR_FIE, TCR_ARE = 1 << 26, 1 << 23, 1 << 22
TSR_DIS, TSR_FIS = 1 << 27, 1 << 26
MASK32 = 0xFFFFFFFF


class BookETimers:
    """TB/DEC/DECAR/TCR/TSR of one core.  Clocked like a peripheral (next_event/advance)."""

    irq = None

    def __init__(self):
        self.tcr = self.tsr = self.decar = 0
        self.tb_offset = 0
        self.t0 = self.dec0 = 0          # DEC held dec0 at cycle t0
        self.dec_seen = 0                # decrementer events already reflected in TSR
        self.fit_seen = 0                # cycle up to which FIT transitions are reflected

    # decrementer ----------------------------------------------------------------------------
    def _auto(self) -> bool:
        return bool(self.tcr & TCR_ARE) and self.decar != 0

    def dec_events(self, now: int) -> int:
        """Decrements from 1 in (t0, now]."""
        if self.dec0 == 0 or now < self.t0 + self.dec0:
            return 0
        return 1 + ((now - self.t0 - self.dec0) // self.decar if self._auto() else 0)

    def dec_value(self, now: int) -> int:
        elapsed = now - self.t0
        if self.dec0 == 0 or elapsed < self.dec0:
            return max(0, self.dec0 - elapsed) if self.dec0 else 0
        if not self._auto():
            return 0
        return self.decar - (elapsed - self.dec0) % self.decar

    def _rebase(self, now: int) -> None:
        self.advance(now)
        self.dec0, self.t0, self.dec_seen = self.dec_value(now), now, 0

    # fixed-interval timer -------------------------------------------------------------------------
    def fit_bit(self) -> int:
        """Index (from the LSB) of the TB bit that drives the FIT."""
        select = ((self.tcr >> 24) & 0x3) << 4 | (self.tcr >> 13) & 0xF
        return 63 - select

    def _next_fit(self, after: int) -> int | None:
        """First cycle > ``after`` at which the selected TB bit goes 0 -> 1."""
        if not self.tcr & TCR_FIE or self.fit_bit() > 40:
            return None
        half = 1 << self.fit_bit()
        tb = after + self.tb_offset
        k = (tb - half) // (2 * half) + 1
        return half + k * 2 * half - self.tb_offset

    # clocking -----------------------------------------------------------------------------------
    def next_event(self) -> int | None:
        fit, dec = self._next_fit(self.fit_seen), self._next_dec()
        if fit is None or dec is None:
            return dec if fit is None else fit
        return min(fit, dec)

    def _next_dec(self) -> int | None:
        """The cycle of the next decrement from 1 not yet reflected in TSR[DIS]."""
        if not self.dec0:
            return None
        n = self.dec_seen
        if n == 0 or self._auto():
            return self.t0 + self.dec0 + (n * self.decar if n else 0)
        return None

    def advance(self, now: int) -> bool:
        events = self.dec_events(now)
        if events > self.dec_seen:
            self.tsr |= TSR_DIS
            self.dec_seen = events
        fit = self._next_fit(self.fit_seen)
        if fit is not None and fit <= now:
            self.tsr |= TSR_FIS
        self.fit_seen = max(self.fit_seen, now)
        return False

    def decrementer_pending(self) -> bool:
        return bool(self.tsr & TSR_DIS and self.tcr & TCR_DIE)

    def fit_pending(self) -> bool:
        return bool(self.tsr & TSR_FIS and self.tcr & TCR_FIE)

    # SPR interface ------------------------------------------------------------------------------
    def read(self, spr: int, now: int) -> int:
        self.advance(now)
        tb = (now + self.tb_offset) & ((1 << 64) - 1)
        if spr == SPR_DEC:
            return self.dec_value(now)
        if spr in (SPR_TBL_R, SPR_TBL_W):
            return tb & MASK32
        if spr in (SPR_TBU_R, SPR_TBU_W):
            return tb >> 32
        return {SPR_TSR: self.tsr, SPR_TCR: self.tcr, SPR_DECAR: self.decar}.get(spr, 0)

    def write(self, spr: int, value: int, now: int) -> None:
        self._rebase(now)
        if spr == SPR_DEC:
            self.dec0 = value
        elif spr == SPR_DECAR:
            self.decar = value
        elif spr == SPR_TCR:
            self.tcr = value
            self.fit_seen = now
        elif spr == SPR_TSR:
            self.tsr &= ~value                       # write 1 to clear
        elif spr in (SPR_TBL_W, SPR_TBU_W):
            self._write_tb(spr, value, now)

    def _write_tb(self, spr: int, value: int, now: int) -> None:
        tb = (now + self.tb_offset) & ((1 << 64) - 1)
        tb = (tb & ~MASK32 | value) if spr == SPR_TBL_W else (tb & MASK32 | value << 32)
        self.tb_offset = tb - now
        self.fit_seen = now
