"""Builds tiny Cortex-M test images from Thumb source (keystone via tools.asm)."""
from __future__ import annotations

import re
import struct
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
    """Assemble ``source`` (which must define ``reset``) behind a vector table at 0.

    Writes ``name.bin`` and ``name.sym`` (nm format: every label's address, found by
    assembling the source up to that label).
    """
    full = vector_table(handlers or {}) + "\n" + source
    path = tmp_path / f"{name}.bin"
    path.write_bytes(assemble_thumb(full, 0))
    (tmp_path / f"{name}.sym").write_text("".join(
        f"{addr:08x} T {label}\n" for label, addr in label_addresses(full).items()))
    return path


def label_addresses(source: str) -> dict[str, int]:
    """Every label's address: assemble once more with a marked table of ``.word label``."""
    labels = re.findall(r"^(\w+):", source, re.M)
    table = "\n.align 2\n.word 0x5EB0F00D\n" + "".join(f".word {label}\n" for label in labels)
    code = assemble_thumb(source + table, 0)
    at = code.rindex(bytes.fromhex("0df0b05e")) + 4
    values = struct.unpack(f"<{len(labels)}I", code[at:at + 4 * len(labels)])
    return dict(zip(labels, values))


def machine(tmp_path: Path, source: str, handlers: dict[int, str] | None = None, **kw) -> Machine:
    path = build(tmp_path, source, handlers)
    return Machine.load(path, board="cortex-m4", base=0, symbols=path.with_suffix(".sym"), **kw)


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
