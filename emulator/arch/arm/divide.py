"""UDIV/SDIV timed by their operands where they run: one code hook per division in the image.

Cortex-M4 TRM r0p1 table 3-1 gives SDIV/UDIV "2 to 12" cycles, with the note that "division
operations use early termination to minimize the number of cycles required based on the number
of leading ones and zeroes in the input operands".  The TRM publishes no exact rule, so this
module uses an approximation of that note, and only that:

    q      = the quotient's significant bits, clz(divisor) - clz(dividend) + 1, or 0 when the
             divisor is 0 or larger than the dividend (magnitudes for SDIV: its leading ones)
    cycles = 2 + ceil(10 * q / 32)           2 when there is no quotient, 12 for a 32-bit one

i.e. the TRM's two end points with a linear count of the quotient bits between them.  The
block's static cost holds the minimum (2, emulator/arch/arm/timing.py); the hook adds the rest
before the instruction runs, to the clock and to the block's start, so every later instruction
of the block keeps its exact cycle.  The hooks are limited to the divisions' own addresses
(begin = end): no other instruction pays for them.  A division the scan did not see (code
written to RAM at run time) is charged its worst case, 12, and the report says so.
"""
from __future__ import annotations

import re

MIN, MAX = 2, 12
# T1 encodings (ARMv7-M A7.7.127 SDIV, A7.7.195 UDIV), little-endian halfwords:
# 1111 1011 1001 Rn | 1111 Rd 1111 Rm (SDIV), 1111 1011 1011 Rn | ... (UDIV)
_ENCODING = re.compile(rb"(?=([\x90-\x9f\xb0-\xbf]\xfb[\xf0-\xff][\xf0-\xff]))", re.S)


def quotient_bits(dividend: int, divisor: int) -> int:
    """Significant bits of the quotient of two unsigned 32-bit magnitudes (0 if it is 0)."""
    if divisor == 0 or divisor > dividend:
        return 0
    return dividend.bit_length() - divisor.bit_length() + 1


def magnitude(value: int) -> int:
    value &= 0xFFFFFFFF
    return (-value) & 0xFFFFFFFF if value >> 31 else value


def division_cycles(dividend: int, divisor: int, signed: bool) -> int:
    """Cycles of one UDIV/SDIV under the approximation of the module docstring."""
    if signed:
        dividend, divisor = magnitude(dividend), magnitude(divisor)
    q = quotient_bits(dividend & 0xFFFFFFFF, divisor & 0xFFFFFFFF)
    return MIN + -(-(MAX - MIN) * q // 32)


def find_divisions(segments) -> dict[int, tuple[bool, int, int]]:
    """Every halfword-aligned UDIV/SDIV encoding in the loaded segments: address -> (signed,
    Rn, Rm).  An instruction that starts there is that division (ARMv7-M A5.1: a first halfword
    0b11111... is always the first half of a 32-bit instruction)."""
    found = {}
    for seg in segments:
        for match in _ENCODING.finditer(seg.data):
            addr = seg.addr + match.start()
            if addr % 2:
                continue
            b0, b1, b2, b3 = match.group(1)
            found[addr] = (b0 & 0xF0 == 0x90, b0 & 0xF, b2 & 0xF)
    return found


class DivisionTimer:
    """Installs the per-division hooks and charges each execution its operand-dependent extra."""

    def __init__(self, host, segments):
        self.host = host
        self.sites = find_divisions(segments)
        self._regs = [f"r{i}" for i in range(13)] + ["sp", "lr", "pc"]

    def install(self) -> None:
        for addr in sorted(self.sites):
            self.host.cpu.on_code_at(addr, self._on_division)

    def _on_division(self, addr: int, size: int) -> None:
        signed, rn, rm = self.sites[addr]
        dividend, divisor = self.host.cpu.regs_read((self._regs[rn], self._regs[rm]))
        extra = division_cycles(dividend, divisor, signed) - MIN
        if extra:
            self.host.stall(extra)
