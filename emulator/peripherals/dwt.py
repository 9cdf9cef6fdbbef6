"""ARMv7-M Data Watchpoint and Trace unit (C1.8): only the cycle counter, CYCCNT at +4."""
from __future__ import annotations

from . import Peripheral
from .registers import Register


class Dwt(Peripheral):
    """DWT_CTRL (+0, CYCCNTENA bit 0) and DWT_CYCCNT (+4): counts model cycles while enabled."""

    kind = "dwt"
    # ARMv7-M ARM C1.8.7 DWT_CTRL, C1.8.8 DWT_CYCCNT; the other DWT registers read as zero
    registers = (
        Register(0x0, "CTRL", write="_write_ctrl", mask=1),
        Register(0x4, "CYCCNT", read="_read_cyccnt", write="_write_cyccnt"),
    )

    def __init__(self, name: str, base: int, size: int, **params):
        super().__init__(name, base, size, **params)
        self.cyccnt = 0            # value at cycle ``since`` (while enabled)
        self.since = 0
        self.map_registers()

    def _write_ctrl(self, value: int, now: int) -> None:
        self.cyccnt, self.since = self._read_cyccnt(now), now
        self.ctrl = value

    def _read_cyccnt(self, now: int) -> int:
        running = now - self.since if self.ctrl & 1 else 0
        return (self.cyccnt + running) & 0xFFFFFFFF

    def _write_cyccnt(self, value: int, now: int) -> None:
        self.cyccnt, self.since = value, now
