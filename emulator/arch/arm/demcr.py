"""ARMv7-M DEMCR (C1.6.5, 0xE000EDFC): read/write debug control whose TRCENA gates the DWT."""
from __future__ import annotations

TRCENA = 1 << 24
# C1.6.5: TRCENA 24, MON_REQ 19, MON_STEP 18, MON_PEND 17, MON_EN 16, VC_HARDERR 10 ... VC_MMERR 4,
# VC_CORERESET 0; the other bits are reserved (read as zero).  Reset value 0: TRCENA off.
WRITABLE = 0x010F07F1


class Demcr:
    """The register's value; the units it gates (the DWT) are told before TRCENA changes, so
    they can settle what they counted up to that cycle."""

    def __init__(self):
        self.value = 0
        self.gated: list = []          # objects with settle(now): the DWT

    @property
    def trcena(self) -> bool:
        return bool(self.value & TRCENA)

    def read(self, now: int) -> int:
        return self.value

    def write(self, value: int, now: int) -> None:
        for unit in self.gated:
            unit.settle(now)
        self.value = value & WRITABLE
