"""Writes ELF32 executables (LE ARM, BE PowerPC): PT_LOAD segments, sections, .symtab, no timestamps."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

# ELF gABI (System V ABI, ch. 4) constants.
EM_ARM, EM_PPC = 40, 20
ET_EXEC, EV_CURRENT = 2, 1
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
PT_LOAD, PF_X, PF_W, PF_R = 1, 1, 2, 4
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2
EF_ARM_EABI_VER5, EF_ARM_ABI_FLOAT_SOFT = 0x05000000, 0x200
EHDR, PHDR, SHDR, SYM = 52, 32, 40, 16


@dataclass
class Section:
    name: str
    addr: int
    data: bytes
    flags: int
    nobits_size: int = 0          # > 0 for SHT_NOBITS (.bss)
    align: int = 4

    @property
    def size(self) -> int:
        return self.nobits_size or len(self.data)


@dataclass
class ElfSymbol:
    name: str
    value: int
    size: int
    kind: int                     # STT_*
    section: str
    bind: int = STB_GLOBAL


@dataclass
class ElfImage:
    machine: int                  # EM_ARM or EM_PPC
    entry: int
    sections: list[Section] = field(default_factory=list)
    symbols: list[ElfSymbol] = field(default_factory=list)

    @property
    def endian(self) -> str:
        return "<" if self.machine == EM_ARM else ">"


class _StrTab:
    def __init__(self):
        self.blob, self.index = bytearray(b"\0"), {"": 0}

    def add(self, name: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.blob)
            self.blob += name.encode() + b"\0"
        return self.index[name]


def _pad(buf: bytearray, align: int) -> None:
    buf += b"\0" * (-len(buf) % align)


def _symtab(img: ElfImage, shndx: dict[str, int], strtab: _StrTab) -> tuple[bytes, int]:
    """Locals first, then globals (gABI: sh_info is the index of the first global)."""
    e = img.endian
    out = bytearray(SYM)
    ordered = sorted(img.symbols, key=lambda s: (s.bind != STB_LOCAL, s.value, s.name))
    first_global = 1 + sum(1 for s in ordered if s.bind == STB_LOCAL)
    for s in ordered:
        info = s.bind << 4 | s.kind
        out += struct.pack(e + "IIIBBH", strtab.add(s.name), s.value, s.size, info, 0, shndx[s.section])
    return bytes(out), first_global


def _flags_of(sec: Section) -> int:
    flags = PF_R
    flags |= PF_X if sec.flags & SHF_EXECINSTR else 0
    flags |= PF_W if sec.flags & SHF_WRITE else 0
    return flags


def write_elf(img: ElfImage) -> bytes:
    """Serialise ``img``: header, program headers, section data, symtab/strtab/shstrtab, section headers."""
    e = img.endian
    loads = [s for s in img.sections if s.size]
    body = bytearray(EHDR + PHDR * len(loads))
    offsets = {}
    for sec in loads:
        _pad(body, max(sec.align, 4))
        offsets[sec.name] = len(body)
        body += sec.data
    shndx = {sec.name: i + 1 for i, sec in enumerate(loads)}
    strtab, shstr = _StrTab(), _StrTab()
    symtab, first_global = _symtab(img, shndx, strtab)
    extra = []
    for name, data in ((".symtab", symtab), (".strtab", bytes(strtab.blob))):
        _pad(body, 4)
        extra.append((name, len(body), data))
        body += data
    shstr.add(".symtab"), shstr.add(".strtab"), shstr.add(".shstrtab")
    for sec in loads:
        shstr.add(sec.name)
    _pad(body, 4)
    extra.append((".shstrtab", len(body), bytes(shstr.blob)))
    body += shstr.blob
    _pad(body, 4)
    shoff = len(body)
    body += _section_headers(img, loads, offsets, extra, shstr, first_global)
    struct.pack_into(e + "16sHHIIIIIHHHHHH", body, 0, _ident(e), ET_EXEC, img.machine, EV_CURRENT,
                     img.entry, EHDR, shoff, _eflags(img), EHDR, PHDR, len(loads), SHDR,
                     len(loads) + 4, len(loads) + 3)
    for i, sec in enumerate(loads):
        filesz = 0 if sec.nobits_size else len(sec.data)
        struct.pack_into(e + "IIIIIIII", body, EHDR + i * PHDR, PT_LOAD, offsets[sec.name],
                         sec.addr, sec.addr, filesz, sec.size, _flags_of(sec), sec.align)
    return bytes(body)


def _ident(e: str) -> bytes:
    data = 1 if e == "<" else 2          # ELFDATA2LSB / ELFDATA2MSB
    return bytes([0x7F, ord("E"), ord("L"), ord("F"), 1, data, EV_CURRENT]) + bytes(9)


def _eflags(img: ElfImage) -> int:
    return EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT if img.machine == EM_ARM else 0


def _section_headers(img, loads, offsets, extra, shstr, first_global) -> bytes:
    e = img.endian
    out = bytearray(SHDR)                                   # SHN_UNDEF
    for sec in loads:
        kind = SHT_NOBITS if sec.nobits_size else SHT_PROGBITS
        out += struct.pack(e + "IIIIIIIIII", shstr.add(sec.name), kind, sec.flags, sec.addr,
                           offsets[sec.name], sec.size, 0, 0, sec.align, 0)
    strtab_index = len(loads) + 2
    for name, off, data in extra:
        if name == ".symtab":
            out += struct.pack(e + "IIIIIIIIII", shstr.add(name), SHT_SYMTAB, 0, 0, off, len(data),
                               strtab_index, first_global, 4, SYM)
        else:
            out += struct.pack(e + "IIIIIIIIII", shstr.add(name), SHT_STRTAB, 0, 0, off, len(data),
                               0, 0, 1, 0)
    return bytes(out)
