"""The Cortex-M registers as gdb knows them: target description features and their engine sources.

GDB's features (gdb/features/arm/arm-m-profile.xml, arm-vfpv2.xml, arm-m-system.xml): gdb
numbers a remote target's registers in the order they appear here (``g`` packet and ``p``
numbers), and recognises the M profile by the first feature, which is what makes it unwind
exception frames from EXC_RETURN in ``lr`` (ARMv7-M ARM B1.5.8) by itself.
"""
from __future__ import annotations

from ..spec import GdbReg

ARCHITECTURE = "arm"
CORE = tuple(GdbReg(f"r{i}", 32, (f"r{i}",)) for i in range(13)) + (
    GdbReg("sp", 32, ("sp",), "data_ptr"), GdbReg("lr", 32, ("lr",)),
    GdbReg("pc", 32, ("pc",), "code_ptr"), GdbReg("xpsr", 32, ("xpsr",)))
# FPv4-SP-D16: d0-d15 are pairs of s-registers (B1.4.8); gdb shows s0-s31 from them
VFP = tuple(GdbReg(f"d{i}", 64, (f"s{2 * i}", f"s{2 * i + 1}"), "ieee_double", "float")
            for i in range(16)) + (GdbReg("fpscr", 32, ("fpscr",), "int", "float"),)
SYSTEM = tuple(GdbReg(name, 32, (name,), "int", "system")
               for name in ("msp", "psp", "primask", "basepri", "faultmask", "control"))


def features(fpu: bool) -> tuple[tuple[str, tuple[GdbReg, ...]], ...]:
    """(feature name, its registers) in gdb's numbering order; the VFP one with an FPU."""
    return (("org.gnu.gdb.arm.m-profile", CORE),
            *((("org.gnu.gdb.arm.vfp", VFP),) if fpu else ()),
            ("org.gnu.gdb.arm.m-system", SYSTEM))
