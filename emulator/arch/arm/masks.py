"""The Cortex-M instructions that change interrupt masking, and the mask state after each (ARMv7-M ARM B5.2)."""
from __future__ import annotations

from typing import Callable, NamedTuple

# B5.2.1 CPS (T1): 1011 0110 011 im 0 A I F; B5.2.3 MSR (T1): 11110 0 1110 0 0 Rn, 10 0 0 1000 SYSm
CPS_MASK, CPS_BITS = 0xFFE8, 0xB660
MSR_HW1_MASK, MSR_HW1 = 0xFFF0, 0xF380
MSR_HW2_MASK, MSR_HW2 = 0xFF00, 0x8800
SYSM = {16: "PRIMASK", 17: "BASEPRI", 18: "BASEPRI_MAX", 19: "FAULTMASK"}   # B5.1.1 SYSm
MASK_REGS = ("primask", "basepri", "faultmask")


class MaskOp(NamedTuple):
    """A masking instruction: the register it writes and ``after(cpu, priority_mask)``: whether
    interrupts are masked once it has run (read before it runs)."""

    register: str
    after: Callable[[object, int], bool]


def masked(primask: int, basepri: int, faultmask: int, priority_mask: int) -> bool:
    """B1.5.4: PRIMASK or FAULTMASK set, or BASEPRI boosting the execution priority."""
    return bool(primask & 1 or faultmask & 1 or basepri & priority_mask)


def decode(code: bytes) -> MaskOp | None:
    """The ``MaskOp`` of the Thumb instruction in ``code`` (little-endian), or None."""
    hw1 = int.from_bytes(code[:2], "little")
    if hw1 & CPS_MASK == CPS_BITS and hw1 & 0x3:
        return _cps(disable=bool(hw1 & 0x10), i=bool(hw1 & 2), f=bool(hw1 & 1))
    if len(code) >= 4 and hw1 & MSR_HW1_MASK == MSR_HW1:
        hw2 = int.from_bytes(code[2:4], "little")
        if hw2 & MSR_HW2_MASK == MSR_HW2 and hw2 & 0xFF in SYSM:
            return _msr(SYSM[hw2 & 0xFF], f"r{hw1 & 0xF}" if hw1 & 0xF < 13 else None)
    return None


def _cps(disable: bool, i: bool, f: bool) -> MaskOp:
    """CPSID/CPSIE i and/or f: PRIMASK and/or FAULTMASK set (ID) or cleared (IE)."""
    def after(cpu, priority_mask: int) -> bool:
        primask, basepri, faultmask = cpu.regs_read(MASK_REGS)
        if i:
            primask = int(disable)
        if f:
            faultmask = int(disable)
        return masked(primask, basepri, faultmask, priority_mask)
    return MaskOp("FAULTMASK" if f and not i else "PRIMASK", after)


def _msr(register: str, source: str | None) -> MaskOp | None:
    """MSR <mask>, Rn: the mask takes Rn (B5.2.3; BASEPRI_MAX only when it raises BASEPRI)."""
    if source is None:
        return None

    def after(cpu, priority_mask: int) -> bool:
        primask, basepri, faultmask, value = cpu.regs_read(MASK_REGS + (source,))
        if register == "PRIMASK":
            primask = value & 1
        elif register == "FAULTMASK":
            faultmask = value & 1
        elif register == "BASEPRI" or (value & priority_mask and (
                not basepri & priority_mask or value & priority_mask < basepri & priority_mask)):
            basepri = value & 0xFF
        return masked(primask, basepri, faultmask, priority_mask)
    return MaskOp("BASEPRI" if register == "BASEPRI_MAX" else register, after)
