"""ARMv7-M Data Watchpoint and Trace unit (C1.8): only the cycle counter, CYCCNT at +4."""
from __future__ import annotations

from . import Peripheral


class Dwt(Peripheral):
    """DWT_CTRL (+0, CYCCNTENA bit 0) and DWT_CYCCNT (+4): counts model cycles while enabled."""

    kind = "dwt"

    def __init__(self, name: str, base: int, size: int, **params):
        super().__init__(name, base, size, **params)
        self.ctrl = 0
        self.cyccnt = 0            # value at cycle ``since`` (while enabled)
        self.since = 0

    def read(self, offset: int, size: int, now: int) -> int:
        reg = offset & ~3
        if reg == 0x0:
            return self.ctrl
        if reg == 0x4:
            return self._count(now)
        return 0

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        reg = offset & ~3
        if reg == 0x0:
            self.cyccnt, self.since = self._count(now), now
            self.ctrl = value & 1
        elif reg == 0x4:
            self.cyccnt, self.since = value, now

    def _count(self, now: int) -> int:
        running = now - self.since if self.ctrl & 1 else 0
        return (self.cyccnt + running) & 0xFFFFFFFF
