"""Encodes data directives (.word/.short/.byte/.ascii/.asciz/.space/.balign) without keystone.

Keystone 0.9.2 in PowerPC mode returns nothing for `.byte` and `.asciz` (measured), so data
chunks are encoded here for both ISAs; functions still go through keystone.
"""
from __future__ import annotations

import ast
import re

from tools.asm import AsmError
from tools.srcparse import eval_const

_WIDTH = {".word": 4, ".long": 4, ".4byte": 4, ".short": 2, ".hword": 2, ".2byte": 2, ".byte": 1}


def _split_operands(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _string(literal: str, where: str) -> bytes:
    try:
        value = ast.literal_eval(literal.strip())
    except (ValueError, SyntaxError):
        raise AsmError(f"{where}: bad string literal {literal!r}") from None
    return value.encode("latin-1")


def encode_data(lines: list[str], base: int, values: dict[str, int], endian: str, where: str) -> bytes:
    """Encode a data chunk placed at ``base``; ``values`` maps names (symbols, constants) to numbers."""
    out = bytearray()
    order = "little" if endian == "<" else "big"
    for line in lines:
        head, _, rest = line.strip().partition(" ")
        head = head.lower()
        if head in _WIDTH:
            width = _WIDTH[head]
            for operand in _split_operands(rest):
                value = eval_const(operand, values, where) & ((1 << (8 * width)) - 1)
                out += value.to_bytes(width, order)
        elif head in (".ascii", ".asciz", ".string"):
            out += _string(rest, where) + (b"\0" if head != ".ascii" else b"")
        elif head in (".space", ".skip", ".zero"):
            args = _split_operands(rest)
            fill = eval_const(args[1], values, where) if len(args) > 1 else 0
            out += bytes([fill]) * eval_const(args[0], values, where)
        elif head == ".balign":
            align = eval_const(rest, values, where)
            out += b"\0" * (-(base + len(out)) % align)
        else:
            raise AsmError(f"{where}: {head!r} is not a data directive (data chunks hold data only)")
    return bytes(out)


def is_data_only(lines: list[str]) -> bool:
    directive = re.compile(r"^\s*\.(word|long|4byte|short|hword|2byte|byte|ascii|asciz|string|space|skip|zero|balign)\b", re.I)
    return all(directive.match(line) for line in lines)
