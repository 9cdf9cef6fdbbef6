"""Lays chunks out in memory and assembles them with keystone until every address is stable.

Keystone's own symbol resolver is not used on purpose: with a resolver installed keystone 0.9.2
reads decimal immediates as hexadecimal (measured: `movs r0, #10` → #0x10, `li 3, 10` → 0x10),
and it ignores addends (`.word foo+4` → foo) and gets PPC `@ha` wrong.  Instead every reference
to another chunk or `.equ` constant is replaced by its number before keystone sees the line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.arch import by_folder
from tools.asm import AsmError, assemble_ppc, assemble_thumb
from tools.datadir import encode_data, is_data_only
from tools.srcparse import Chunk, Source, eval_const

_TOKEN = re.compile(r"(?<![\w.$])([A-Za-z_][\w$]*)(@ha|@h|@l)?(?![\w$])")
_BRANCH = re.compile(r"^(b|bl|b[a-z]{2}|b\.w|b[a-z]{2}\.w|b\.n|b[a-z]{2}\.n|cbz|cbnz)$", re.I)
_SPACE = re.compile(r"^\s*\.(space|skip|zero)\s+(.+)$")
_BALIGN = re.compile(r"^\s*\.balign\s+(.+)$")


@dataclass(frozen=True)
class Layout:
    """Where each section starts on a board (flash sections first, then RAM)."""

    arch: str
    sections: tuple[tuple[str, int], ...]      # (name, base); a base of None continues the previous

    def base(self, section: str) -> int | None:
        return dict(self.sections).get(section)


# Keystone front end per engine arch of an ArchSpec (emulator/arch/*/spec.py: keystone.arch).
ASSEMBLERS = {"KS_ARCH_ARM": assemble_thumb, "KS_ARCH_PPC": assemble_ppc}

ARM_LAYOUT = Layout("arm", ((".vectors", 0x00000000), (".text", None), (".rodata", None),
                           (".bss", 0x20000000)))
PPC_LAYOUT = Layout("ppc", ((".text", 0x00000000), (".rodata", None), (".bss", 0x40000000)))


@dataclass
class Placed:
    chunk: Chunk
    addr: int
    data: bytes          # empty for .bss
    size: int


def _align(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def _ha(v: int) -> int:
    return ((v + 0x8000) >> 16) & 0xFFFF


def _substitute(line: str, values: dict[str, int], funcs: set[str], arch: str) -> str:
    """Replace symbol and constant names by numbers (PPC @ha/@h/@l computed here)."""
    parts = line.strip().split(None, 1)
    if len(parts) < 2:
        return line
    mnemonic, operands = parts
    label = ""
    if mnemonic.endswith(":"):                       # '.Lx: insn ops'
        label, rest = mnemonic + " ", operands.split(None, 1)
        if len(rest) < 2:
            return line
        mnemonic, operands = rest
    thumb = by_folder(arch).thumb_code_symbols
    branch = thumb and bool(_BRANCH.match(mnemonic))

    def repl(m: re.Match) -> str:
        name, reloc = m[1], m[2]
        if name not in values:
            return m[0]
        v = values[name]
        if thumb and name in funcs and not branch:
            v |= 1                                   # Thumb interworking bit, as GNU as does
        if reloc == "@ha":
            return hex(_ha(v))
        if reloc == "@h":
            return hex((v >> 16) & 0xFFFF)
        if reloc == "@l":
            low = v & 0xFFFF
            return str(low - 0x10000 if low & 0x8000 else low)
        return hex(v) if v >= 0 else str(v)

    return f"{label}{mnemonic} {_TOKEN.sub(repl, operands)}"


def _bss_size(chunk: Chunk, constants: dict[str, int], base: int) -> int:
    pos = base
    for line in chunk.lines:
        if m := _SPACE.match(line):
            pos += eval_const(m[2].split(",")[0], constants, chunk.origin)
        elif m := _BALIGN.match(line):
            pos = _align(pos, eval_const(m[1], constants, chunk.origin))
        else:
            raise AsmError(f"{chunk.origin}: only .space/.skip/.balign allowed in .bss: {line.strip()!r}")
    return pos - base


def _assemble(chunk: Chunk, addr: int, values: dict[str, int], funcs: set[str], arch: str) -> bytes:
    if chunk.kind != "func" and is_data_only(chunk.lines):
        spec = by_folder(arch)
        bit = 1 if spec.thumb_code_symbols else 0
        data_values = {k: (v | bit if k in funcs else v) for k, v in values.items()}
        return encode_data(chunk.lines, addr, data_values, ">" if spec.big_endian else "<", chunk.origin)
    text = "\n".join(_substitute(line, values, funcs, arch) for line in chunk.lines)
    assemble = ASSEMBLERS[by_folder(arch).keystone.arch]
    try:
        return assemble(text, addr)
    except AsmError as exc:
        raise AsmError(f"{chunk.origin} ({chunk.name}): {exc}{_culprit(text, assemble, addr)}") from None


def _culprit(text: str, assemble, addr: int) -> str:
    """Name the first line keystone rejects on its own (local labels stripped), if any."""
    for line in text.splitlines():
        body = re.sub(r"^\s*\.L[\w$]*:", "", line)
        body = re.sub(r"\.L[\w$]*", hex(addr), body)
        try:
            assemble(body, addr)
        except AsmError:
            return f" at {line.strip()!r}"
    return ""


def _place_all(src: Source, layout: Layout, values: dict[str, int]) -> list[Placed]:
    funcs = {c.name for c in src.chunks if c.kind == "func"}
    merged = {**src.constants, **values}
    placed, cursor = [], 0
    for section, base in layout.sections:
        cursor = base if base is not None else cursor
        for chunk in (c for c in src.chunks if c.section == section):
            cursor = _align(cursor, chunk.align)
            if section == ".bss":
                size, data = _bss_size(chunk, src.constants, cursor), b""
            else:
                data = _assemble(chunk, cursor, merged, funcs, layout.arch)
                size = len(data)
            placed.append(Placed(chunk, cursor, data, size))
            cursor += size
    return placed


def link(src: Source, layout: Layout, max_passes: int = 20) -> list[Placed]:
    """Assemble every chunk at its final address (iterating until the layout is a fixed point)."""
    unknown = [c.section for c in src.chunks if layout.base(c.section) is None
               and c.section not in dict(layout.sections)]
    if unknown:
        raise AsmError(f"sections not available on {layout.arch}: {sorted(set(unknown))}")
    values = {c.name: 0 for c in src.chunks}
    for _ in range(max_passes):
        placed = _place_all(src, layout, values)
        new = {p.chunk.name: p.addr for p in placed}
        if new == values:
            return placed
        values = new
    raise AsmError(f"layout did not converge after {max_passes} passes")
