"""The Cortex-M family's facts as data (ARMv7-M ARM DDI 0403E, AAPCS, AAELF32)."""
from __future__ import annotations

from ..spec import ArchSpec, EngineMode
from .variants import FPUS

CORTEX_M = ArchSpec(
    name="cortex-m", folder="arm", title="ARM Cortex-M (ARMv6-M/v7-M/v8-M, Thumb)",
    core="emulator.arch.arm.core:CortexMCore",
    elf_machine=40, big_endian=False,
    unicorn=EngineMode("UC_ARCH_ARM", ("UC_MODE_THUMB", "UC_MODE_MCLASS")),
    capstone=EngineMode("CS_ARCH_ARM", ("CS_MODE_THUMB", "CS_MODE_MCLASS")),
    keystone=EngineMode("KS_ARCH_ARM", ("KS_MODE_THUMB",)),
    cpus=(("cortex-m3", "UC_CPU_ARM_CORTEX_M3"), ("cortex-m4", "UC_CPU_ARM_CORTEX_M4"),
          ("cortex-m7", "UC_CPU_ARM_CORTEX_M7"), ("cortex-m33", "UC_CPU_ARM_CORTEX_M33")),
    fpus=FPUS, cycle_models=("cortex-m4", "cortex-m3"), default_board="cortex-m4",
    max_irqs=496,                         # B3.4.1: up to 496 external interrupts
    arg_regs=("r0", "r1", "r2", "r3"), return_reg="r0", context_reg="ipsr",   # AAPCS 5.5
    register_aliases=(("sb", "r9"), ("sl", "r10"), ("fp", "r11"), ("ip", "r12")),
    thumb_code_symbols=True, fp_abi_attribute=True, reset_sp_in_vector=True,   # B1.5.3
    frame_on_store_update=False,
    spin_code=b"\xfe\xe7",                # 'b .'
    required_peripherals=(("scs", "its System Control Space at 0xE000E000"),),   # B3.2
    # B3.1 Peripheral and Vendor-system regions
    peripheral_space=((0x40000000, 0x60000000), (0xE0100000, 1 << 32)),
)
