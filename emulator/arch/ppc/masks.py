"""The Book E instructions that change MSR[EE], and whether external interrupts are masked after each (EREF 2.0: wrteei, wrtee, mtmsr)."""
from __future__ import annotations

from typing import Callable, NamedTuple

MSR_EE = 0x8000
PRIMARY_31 = 31
XO_WRTEE, XO_WRTEEI, XO_MTMSR = 131, 163, 146      # X-form extended opcodes (bits 21-30)


class MaskOp(NamedTuple):
    """A masking instruction: the register it writes and ``after(cpu, _)``: whether external
    interrupts are masked (MSR[EE] = 0) once it has run (read before it runs)."""

    register: str
    after: Callable[[object, int], bool]


def decode(code: bytes) -> MaskOp | None:
    """The ``MaskOp`` of the big-endian instruction word in ``code``, or None."""
    if len(code) < 4:
        return None
    word = int.from_bytes(code[:4], "big")
    if word >> 26 != PRIMARY_31:
        return None
    xo, rs = (word >> 1) & 0x3FF, f"r{(word >> 21) & 0x1F}"
    if xo == XO_WRTEEI:
        enabled = bool(word & MSR_EE)                 # the E field is bit 16 (IBM numbering)
        return MaskOp("MSR[EE]", lambda cpu, _: not enabled)
    if xo in (XO_WRTEE, XO_MTMSR):
        return MaskOp("MSR[EE]", lambda cpu, _: not cpu.reg(rs) & MSR_EE)
    return None
