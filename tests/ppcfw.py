"""Builds tiny e200-mcu test images from PowerPC source (keystone via tools.asm).

Keystone quirks met here: ``sym@ha`` assembles as the plain symbol value and a data directive
as the very first statement emits nothing, so images load 32-bit constants with ``load()``
(lis/ori of a number) and start with code.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

from emulator.machine import Machine
from tools.asm import assemble_ppc

SRAM = 0x40000000
FLAGS = SRAM                        # test images record what happened here, one word per slot
INTC, PIT, SIMCTL = 0xFFF48000, 0xC3FF0000, 0xFFFEC000
MARK = 0x5EB0F00D


def load(reg: int, value: int) -> str:
    """Two instructions putting a 32-bit constant in r``reg``."""
    return f"  lis {reg}, 0x{value >> 16 & 0xFFFF:x}\n  ori {reg}, {reg}, 0x{value & 0xFFFF:x}\n"


def vectors(ivors: dict[int, int], ivpr: int = 0) -> str:
    """Program IVPR and the given IVORn (offsets below 0x8000)."""
    lines = [load(3, ivpr), "  mtspr 63, 3\n"]
    for n, offset in sorted(ivors.items()):
        lines.append(f"  li 3, 0x{offset:x}\n  mtspr {400 + n}, 3\n")
    return "".join(lines)


def exit_with(code_reg: int = 3) -> str:
    return load(31, SIMCTL) + f"  stw {code_reg}, 0(31)\n  b .\n"


def label_addresses(source: str) -> dict[str, int]:
    """Every label's address: assemble once more with a marked table of ``.long label``."""
    labels = re.findall(r"^(\w+):", source, re.M)
    table = f"\n  nop\n.long 0x{MARK:08x}\n" + "".join(f".long {label}\n" for label in labels)
    code = assemble_ppc(source + table, 0)
    at = code.rindex(struct.pack(">I", MARK)) + 4
    return dict(zip(labels, struct.unpack(f">{len(labels)}I", code[at:at + 4 * len(labels)])))


def build(tmp_path: Path, source: str, name: str = "t") -> Path:
    """Assemble ``source`` at 0 (it must start with the reset code); write .bin and .sym."""
    path = tmp_path / f"{name}.bin"
    path.write_bytes(assemble_ppc(source, 0))
    (tmp_path / f"{name}.sym").write_text("".join(
        f"{addr:08x} T {label}\n" for label, addr in label_addresses(source).items()))
    return path


def machine(tmp_path: Path, source: str, **kw) -> Machine:
    path = build(tmp_path, source)
    return Machine.load(path, board="e200-mcu", base=0, symbols=path.with_suffix(".sym"), **kw)
