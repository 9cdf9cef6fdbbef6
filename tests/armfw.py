"""Builds tiny Cortex-M test images from Thumb source (keystone via tools.asm)."""
from __future__ import annotations

import re
import struct
from pathlib import Path

from emulator.machine.machine import Machine
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


FINISH = """
finish:                     @ semihosting SYS_EXIT, ADP_Stopped_ApplicationExit: exit code 0
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
"""
EXIT_R0 = """
exit_r0:                    @ semihosting SYS_EXIT_EXTENDED with exit code r0
  ldr r1, =0x20000f00
  ldr r2, =0x20026
  str r2, [r1]
  str r0, [r1, #4]
  movs r0, #0x20
  bkpt #0xab
"""


def enable_irq(n: int, prio: int) -> str:
    """NVIC ISER bit n and IPR byte n (Thumb source; clobbers r0/r1)."""
    return (f"  ldr r0, =0xE000E100\n  ldr r1, ={1 << n}\n  str r1, [r0]\n"
            f"  ldr r0, ={0xE000E400 + n}\n  movs r1, #{prio}\n  strb r1, [r0]\n")


def pend_irq(n: int) -> str:
    """NVIC ISPR bit n (clobbers r0/r1)."""
    return f"  ldr r0, =0xE000E200\n  ldr r1, ={1 << n}\n  str r1, [r0]\n"
