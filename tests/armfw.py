"""Builds tiny Cortex-M test images from Thumb source (keystone via tools.asm)."""
from __future__ import annotations

from pathlib import Path

from emulator.machine import Machine
from tools.asm import assemble_thumb

SRAM_TOP = 0x20010000


def vector_table(handlers: dict[int, str], sp: int = SRAM_TOP, count: int = 48) -> str:
    words = [f".word 0x{sp:08x}", ".word reset+1"]
    for n in range(2, count):
        words.append(f".word {handlers[n]}+1" if n in handlers else ".word 0")
    return "\n".join(words)


def build(tmp_path: Path, source: str, handlers: dict[int, str] | None = None, name: str = "t") -> Path:
    """Assemble ``source`` (which must define ``reset``) behind a vector table at 0."""
    code = assemble_thumb(vector_table(handlers or {}) + "\n" + source, 0)
    path = tmp_path / f"{name}.bin"
    path.write_bytes(code)
    return path


def machine(tmp_path: Path, source: str, handlers: dict[int, str] | None = None, **kw) -> Machine:
    return Machine.load(build(tmp_path, source, handlers), board="cortex-m4", base=0, **kw)


EXIT = """
exit:                       @ semihosting SYS_EXIT_EXTENDED with code r0
  ldr r1, =exit_block
  str r0, [r1, #4]
  movs r0, #0x20
  bkpt #0xab
  b .
.align 2
"""
EXIT_DATA = "exit_block_addr: .word 0\n"
