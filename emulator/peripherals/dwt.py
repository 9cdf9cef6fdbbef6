"""ARMv7-M Data Watchpoint and Trace unit (C1.8): only the cycle counter, CYCCNT at +4."""
from __future__ import annotations

from . import Peripheral
from .registers import Register


class Dwt(Peripheral):
    """DWT_CTRL (+0, CYCCNTENA bit 0) and DWT_CYCCNT (+4): counts model cycles while enabled.

    ``demcr`` is the core's DEMCR (emulator/arch/arm/demcr.py): as on silicon CYCCNT counts only
    while DEMCR.TRCENA = 1 and DWT_CTRL.CYCCNTENA = 1 (C1.6.5: TRCENA is the global enable of
    the DWT; C1.8.7).  Without one (a core with no DEMCR) CYCCNTENA alone decides."""

    kind = "dwt"
    # ARMv7-M ARM C1.8.7 DWT_CTRL, C1.8.8 DWT_CYCCNT; the other DWT registers read as zero
    registers = (
        Register(0x0, "CTRL", write="_write_ctrl", mask=1),
        Register(0x4, "CYCCNT", read="_read_cyccnt", write="_write_cyccnt"),
    )

    def __init__(self, name: str, base: int, size: int, demcr=None, **params):
        super().__init__(name, base, size, **params)
        self.cyccnt = 0            # value at cycle ``since`` (while enabled)
        self.since = 0
        self.demcr = demcr
        if demcr is not None:
            demcr.gated.append(self)
        self.map_registers()

    def counting(self) -> bool:
        return bool(self.ctrl & 1) and (self.demcr is None or self.demcr.trcena)

    def settle(self, now: int) -> None:
        """Fold the cycles counted up to ``now`` into CYCCNT (before an enable changes)."""
        self.cyccnt, self.since = self._read_cyccnt(now), now

    def _write_ctrl(self, value: int, now: int) -> None:
        self.settle(now)
        self.ctrl = value

    def _read_cyccnt(self, now: int) -> int:
        running = now - self.since if self.counting() else 0
        return (self.cyccnt + running) & 0xFFFFFFFF

    def _write_cyccnt(self, value: int, now: int) -> None:
        self.cyccnt, self.since = value, now
