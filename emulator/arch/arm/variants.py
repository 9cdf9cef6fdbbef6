"""The Cortex-M variants as data: CPUID, the FP extensions each may carry, their MVFR values."""
from __future__ import annotations

# cpu -> CPUID (B3.2.3), as QEMU's models of the MPS2 boards report it (target/arm cpu models;
# Cortex-M3 TRM 4.3.1 r0p1, Cortex-M4 TRM 4.3.1 r0p1, Cortex-M7 TRM 3.2.3 r1p2, Cortex-M33
# TRM 3.2 r0p3: mps2-an505).
CPUID = {"cortex-m3": 0x410FC231, "cortex-m4": 0x410FC241, "cortex-m7": 0x411FC272,
         "cortex-m33": 0x410FD213}

ARMV8M = frozenset({"cortex-m33"})        # ARMv8-M Mainline: MSPLIM/PSPLIM (stacklimit.py)

# cpu -> the board key 'fpu' values it accepts, the default first (the silicon options:
# M3 none; M4 none/FPv4-SP; M7 none/FPv5 single or double precision).  The M33's FPv5-SP is not
# offered: its ARMv8-M FP context (FPCCR.S/TS/CLRONRET, the Secure FP frame) is not modelled.
FPUS = (("cortex-m3", ("none",)),
        ("cortex-m4", ("fpv4-sp-d16", "none")),
        ("cortex-m7", ("fpv5-d16", "fpv5-sp-d16", "none")),
        ("cortex-m33", ("none",)))

# fpu -> (MVFR0, MVFR1, MVFR2) (B4.6; Cortex-M4 TRM 7.2.5; Cortex-M7 TRM 4.1.3).  MVFR2 reads
# zero on ARMv7-M cores without it.
MVFR = {"fpv4-sp-d16": (0x10110021, 0x11000011, 0x00000000),
        "fpv5-sp-d16": (0x10110021, 0x12000011, 0x00000040),
        "fpv5-d16": (0x10110221, 0x12000011, 0x00000040)}
