"""Keystone front end: assembles Thumb-2 / PowerPC source, encoding what keystone cannot."""
from __future__ import annotations

import re

import keystone

# ARMv7-M ARM B5.1.1: SYSm values for MRS/MSR.
SYSM = {"apsr": 0, "iapsr": 1, "eapsr": 2, "xpsr": 3, "ipsr": 5, "epsr": 6, "iepsr": 7,
        "msp": 8, "psp": 9, "primask": 16, "basepri": 17, "basepri_max": 18,
        "faultmask": 19, "control": 20}
_REG = r"(r\d+|sp|lr|ip)"
_ALIAS = {"sp": 13, "lr": 14, "ip": 12}
_MRS = re.compile(rf"^\s*mrs\s+{_REG}\s*,\s*(\w+)\s*$", re.I)
_MSR = re.compile(rf"^\s*msr\s+(\w+)\s*,\s*{_REG}\s*$", re.I)
_DIV = re.compile(rf"^\s*(u|s)div\s+{_REG}\s*,\s*{_REG}\s*,\s*{_REG}\s*$", re.I)


class AsmError(Exception):
    """Source that keystone (or our encoder) rejected; names the line."""


def _reg(name: str) -> int:
    name = name.lower()
    return _ALIAS[name] if name in _ALIAS else int(name[1:])


def _shorts(*halfwords: int) -> str:
    return "\n".join(f".short 0x{h:04x}" for h in halfwords)


def encode_thumb_line(line: str) -> str:
    """Rewrite one line keystone cannot assemble (MRS/MSR, UDIV/SDIV) into .short directives."""
    code = line.split("@", 1)[0]
    if m := _MRS.match(code):   # ARMv7-M ARM A7.7.82 MRS, encoding T1
        return _shorts(0xF3EF, 0x8000 | _reg(m[1]) << 8 | SYSM[m[2].lower()])
    if m := _MSR.match(code):   # A7.7.83 MSR, encoding T1, mask=0b10
        return _shorts(0xF380 | _reg(m[2]), 0x8800 | SYSM[m[1].lower()])
    if m := _DIV.match(code):   # A7.7.195 UDIV / A7.7.127 SDIV, encoding T1
        op = 0xFBB0 if m[1].lower() == "u" else 0xFB90
        return _shorts(op | _reg(m[3]), 0xF0F0 | _reg(m[2]) << 8 | _reg(m[4]))
    return line


def preprocess_thumb(source: str) -> str:
    return "\n".join(encode_thumb_line(line) for line in source.splitlines())


def assemble_thumb(source: str, base: int = 0) -> bytes:
    """Assemble Thumb-2 source placed at ``base``."""
    return _assemble(keystone.KS_ARCH_ARM, keystone.KS_MODE_THUMB, preprocess_thumb(source), base)


_SHIFT = re.compile(r"^(\s*(?:[\w.$]+:\s*)?)(slwi|srwi)(\.?)\s+(\w+)\s*,\s*(\w+)\s*,\s*(\d+)\s*$")


def encode_ppc_line(line: str) -> str:
    """Spell SLWI/SRWI as RLWINM: after keystone's own slwi/srwi, later absolute branch
    targets in the same source come out relative to the wrong address (measured, 0.9.2)."""
    m = _SHIFT.match(line.split("#", 1)[0])
    if not m:
        return line
    lead, op, dot, ra, rs, n = m[1], m[2], m[3], m[4], m[5], int(m[6])
    fields = f"{n}, 0, {31 - n}" if op == "slwi" else f"{32 - n}, {n}, 31"
    return f"{lead}rlwinm{dot} {ra}, {rs}, {fields}"


def assemble_ppc(source: str, base: int = 0) -> bytes:
    """Assemble big-endian PowerPC (32-bit) source placed at ``base``."""
    mode = keystone.KS_MODE_PPC32 | keystone.KS_MODE_BIG_ENDIAN
    text = "\n".join(encode_ppc_line(line) for line in source.splitlines())
    return _assemble(keystone.KS_ARCH_PPC, mode, text, base)


def _assemble(arch: int, mode: int, source: str, base: int) -> bytes:
    try:
        encoding, _ = keystone.Ks(arch, mode).asm(source, base)
    except keystone.KsError as exc:
        raise AsmError(f"keystone: {exc}") from None
    return bytes(encoding or b"")
