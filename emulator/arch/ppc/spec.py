"""The Book E (e200-class MCU) family's facts as data (Power ISA 2.06 Book III-E, EABI)."""
from __future__ import annotations

from ..spec import ArchSpec, EngineMode

BOOKE = ArchSpec(
    name="ppc-booke", folder="ppc", title="PowerPC Book E (e200-class MCU, 32-bit big-endian)",
    core="emulator.arch.ppc.core:BookECore",
    elf_machine=20, big_endian=True,
    unicorn=EngineMode("UC_ARCH_PPC", ("UC_MODE_PPC32", "UC_MODE_BIG_ENDIAN")),
    capstone=EngineMode("CS_ARCH_PPC", ("CS_MODE_32", "CS_MODE_BIG_ENDIAN")),
    keystone=EngineMode("KS_ARCH_PPC", ("KS_MODE_PPC32", "KS_MODE_BIG_ENDIAN")),
    # e200z5/z6 models abort the process in Unicorn 2.1.4 (SPR 574 registered twice): e500v2.
    cpus=(("e200", "UC_CPU_PPC32_E500V2_V22"),), fpus=(("e200", ("none",)),),
    cycle_models=("e200z6",), default_board="e200-mcu",
    max_irqs=1024,
    arg_regs=("r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"), return_reg="r3",   # EABI
    context_reg="msr", register_aliases=(),
    thumb_code_symbols=False, fp_abi_attribute=False, reset_sp_in_vector=False,
    frame_on_store_update=True,           # stwu r1,-n(r1) allocates the frame it stores
    spin_code=b"\x48\x00\x00\x00",        # 'b .'
    required_peripherals=(),
    # MPC5xxx peripheral bridges A and B
    peripheral_space=((0xC3F00000, 0xC4000000), (0xFFF00000, 1 << 32)),
)
