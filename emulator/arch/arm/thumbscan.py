"""A linear sweep of Thumb code at reset: each instruction's halfwords and its IT condition.

Used to find, before the run, the few instructions a core must watch (alignment.py,
stacklimit.py).  A sweep of data decodes garbage that never runs; what it must not do is lose
the instruction stream, so it restarts at every function start (symbol) that a 32-bit decode
would straddle.  ARMv7-M ARM A5.1: a halfword whose bits [15:11] are 0b11101, 0b11110 or
0b11111 is the first of a 32-bit instruction; A7.3.3: IT gives the next 1-4 instructions their
conditions (ITSTATE).
"""
from __future__ import annotations

import struct
from typing import Iterator, NamedTuple

AL = 0xE                           # the ARM encoding of 'always'


class Insn(NamedTuple):
    """One swept instruction: address, halfwords (``hw2`` None for 16-bit ones), its condition
    (AL outside IT blocks), the address of the IT instruction covering it (-1: none) and the
    covered instructions before it in that block."""

    addr: int
    hw1: int
    hw2: int | None
    cond: int
    it_at: int
    covered: tuple[int, ...]


def it_conditions(hw: int) -> list[int]:
    """The condition of each instruction an IT instruction covers (A7.3.3 ITSTATE)."""
    state, conds = hw & 0xFF, []
    while state & 0xF:
        conds.append(state >> 4)
        state = (state & 0xE0) | ((state << 1) & 0x1F)
    return conds


def sweep(code: bytes, base: int, sync: frozenset[int] = frozenset()) -> Iterator[Insn]:
    """Every instruction of ``code`` (loaded at ``base``), restarting at the addresses of
    ``sync`` a 32-bit decode would straddle."""
    off, conds, it_at, covered = 0, [], -1, []
    starts = {a - base for a in sync if base <= a < base + len(code)}
    while off + 2 <= len(code):
        hw1 = struct.unpack_from("<H", code, off)[0]
        wide = hw1 >> 11 >= 0b11101 and off + 4 <= len(code)
        if wide and off + 2 in starts:
            off += 2
            continue
        hw2 = struct.unpack_from("<H", code, off + 2)[0] if wide else None
        inside = bool(conds)
        yield Insn(base + off, hw1, hw2, conds.pop(0) if inside else AL,
                   it_at if inside else -1, tuple(covered) if inside else ())
        covered.append(base + off)
        if hw1 & 0xFF00 == 0xBF00 and hw1 & 0xF:
            conds, it_at, covered = it_conditions(hw1), base + off, []
        off += 4 if wide else 2
