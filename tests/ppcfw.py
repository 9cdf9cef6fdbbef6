"""Builds tiny e200-mcu test images from PowerPC source (keystone via tools.asm).

Keystone quirks met here: ``sym@ha`` assembles as the plain symbol value and a data directive
as the very first statement emits nothing, so images load 32-bit constants with ``load()``
(lis/ori of a number) and start with code.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

from emulator.machine.machine import Machine
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


VTBA = 0x3000                       # image(): the INTC software vector table
# IVOR4 in software vector mode, nesting allowed: save SRR0/SRR1/LR and r3-r8 on the stack,
# IACKR -> ISR address, wrteei 1 around the ISR, EOIR, restore, rfi.
EXT_HANDLER = """
ext_handler:
  stwu 1, -48(1)
  stw 3, 8(1)
  stw 4, 12(1)
  stw 5, 16(1)
  stw 6, 20(1)
  stw 7, 24(1)
  stw 8, 28(1)
  mflr 3
  stw 3, 32(1)
  mfspr 3, 26
  stw 3, 36(1)
  mfspr 3, 27
  stw 3, 40(1)
""" + load(4, INTC) + """  lwz 3, 0x10(4)
  lwz 3, 0(3)
  mtctr 3
  wrteei 1
  bctrl
  wrteei 0
""" + load(4, INTC) + """  li 3, 0
  stw 3, 0x18(4)
  lwz 3, 40(1)
  mtspr 27, 3
  lwz 3, 36(1)
  mtspr 26, 3
  lwz 3, 32(1)
  mtlr 3
  lwz 8, 28(1)
  lwz 7, 24(1)
  lwz 6, 20(1)
  lwz 5, 16(1)
  lwz 4, 12(1)
  lwz 3, 8(1)
  addi 1, 1, 48
  rfi
"""


def image(thread: str, isrs: dict[int, str] = None, code: str = "", handlers: str = "",
          ivors: dict[int, int] = None) -> str:
    """Reset at 0, IVOR4 handler at 0x400, ``handlers`` from 0x500, thread code at 0x1000,
    ISR ``code`` after it and the INTC vector table (``isrs``: source -> label) at VTBA."""
    table = "".join(f".long {(isrs or {}).get(s, '0')}\n" for s in range(64))
    return ("reset:\n  b start\n.org 0x400\n" + EXT_HANDLER + ".org 0x500\n" + handlers +
            ".org 0x1000\nstart:\n" + vectors({4: 0x400, **(ivors or {})}) +
            load(4, INTC) + load(3, VTBA) + "  stw 3, 0x10(4)\n" + thread +
            "  li 3, 0\n" + exit_with() + code + f".org 0x{VTBA:x}\nvector_table:\n" + table)


def set_priority(source: int, prio: int) -> str:
    """INTC PSR byte of ``source`` (clobbers r3/r4)."""
    return load(4, INTC + 0x40 + source) + f"  li 3, {prio}\n  stb 3, 0(4)\n"


def software_irq(source: int, op: int = 2) -> str:
    """INTC SSCIR of software source 0-7: op 2 = SETn (raise), 1 = CLRn (clear); clobbers r3/r4."""
    return load(4, INTC + 0x20 + source) + f"  li 3, {op}\n  stb 3, 0(4)\n"
