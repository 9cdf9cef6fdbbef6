"""Firmware images: ELF32 (with symbols) or raw binaries, parsed into an engine-free Image."""
from __future__ import annotations

import bisect
import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..arch import by_elf_machine, spec_for
from .dwarf import Source, SourceLines, has_line_table
from ..errors import BadInput
from .inputfile import MAX_IMAGE_BYTES, read_input

EM_ARM, EM_PPC = 40, 20
PF_PPC_VLE = SHF_PPC_VLE = 0x10000000


@dataclass(frozen=True)
class Segment:
    addr: int
    data: bytes
    memsz: int


@dataclass(frozen=True)
class Symbol:
    name: str
    addr: int
    size: int
    kind: str          # 'func', 'object', 'notype'


@dataclass
class SymbolTable:
    """Name → symbol, and address → 'name+0xoff' for reports."""

    by_name: dict[str, Symbol] = field(default_factory=dict)

    def __post_init__(self):
        code = sorted((s for s in self.by_name.values() if s.kind in ("func", "notype")),
                      key=lambda s: (s.addr, s.kind != "func", s.name))
        self._addrs = [s.addr for s in code]
        self._syms = code

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> int:
        return self.by_name[name].addr

    def get(self, name: str) -> int | None:
        sym = self.by_name.get(name)
        return sym.addr if sym else None

    def containing(self, addr: int) -> Symbol | None:
        """The function (or code label) whose range holds ``addr``."""
        i = bisect.bisect_right(self._addrs, addr) - 1
        if i < 0:
            return None
        sym = self._syms[bisect.bisect_left(self._addrs, self._addrs[i])]
        return None if sym.size and addr >= sym.addr + sym.size else sym

    def describe(self, addr: int) -> str:
        """'symbol+0xoff' for an address inside a known function, else '0x%08x'."""
        sym = self.containing(addr)
        if sym is None:
            return f"0x{addr:08x}"
        off = addr - sym.addr
        return sym.name if off == 0 else f"{sym.name}+0x{off:x}"


@dataclass(frozen=True)
class Image:
    path: str
    sha256: str
    arch: str | None                # 'cortex-m' / 'ppc-booke'; None for raw binaries
    entry: int | None
    segments: tuple[Segment, ...]
    symbols: SymbolTable
    kind: str                       # 'elf' or 'bin'
    lines: SourceLines | None = field(default=None, compare=False, repr=False)   # ELF with .debug_line
    hard_float: bool = False        # Arm EABI Tag_ABI_VFP_args = 1: FP arguments in FP registers

    def source(self, addr: int) -> Source | None:
        """(file, line) of the code at ``addr`` from DWARF, or None (no DWARF, or no row covers it)."""
        return self.lines.lookup(addr) if self.lines is not None else None

    def bytes_at(self, addr: int, size: int) -> bytes | None:
        for seg in self.segments:
            if seg.addr <= addr and addr + size <= seg.addr + len(seg.data):
                return seg.data[addr - seg.addr: addr - seg.addr + size]
        return None


def load_image(path: str | Path, base: int | None = None, symbols: str | Path | None = None) -> Image:
    """An ELF file, or a raw binary when ``base`` is given (or the file is not ELF and has .bin).

    ``symbols`` names an ``nm``-style file (``ADDRESS TYPE NAME`` per line) for raw binaries.
    Only regular files are read (a FIFO or ``/dev/zero`` is refused), at most 64 MiB.
    """
    path = Path(path)
    return _parse(path, read_input(path, "image", MAX_IMAGE_BYTES), base, symbols)


def read_image(stream: BinaryIO, name: str = "<stream>", base: int | None = None,
               symbols: str | Path | None = None) -> Image:
    """The image in a binary ``stream`` (as pyelftools' ``ELFFile(stream)``); ``name`` stands
    for the file in the Image and in errors.  Every malformed input is a ``BadInput`` naming
    the ELF structure (header, program header, section) and its file offset."""
    blob = stream.read(MAX_IMAGE_BYTES + 1)
    if not isinstance(blob, bytes) or len(blob) > MAX_IMAGE_BYTES:
        raise BadInput(f"{name}: image is larger than the {MAX_IMAGE_BYTES >> 20} MiB limit")
    return _parse(Path(name), blob, base, symbols)


def _parse(path: Path, blob: bytes, base: int | None, symbols) -> Image:
    digest = hashlib.sha256(blob).hexdigest()
    if blob[:4] == b"\x7fELF":
        if base is not None:
            raise BadInput(f"{path}: --base 0x{base:x} is for raw binaries, and this is an ELF "
                           "file (its program headers give the load addresses)")
        return _load_elf(path, blob, digest)
    if base is None:
        if path.suffix.lower() == ".bin":
            base = 0
        else:
            raise BadInput(f"{path}: not an ELF file (for a raw binary pass --base ADDRESS)")
    if not blob:
        raise BadInput(f"{path}: empty image")
    if not 0 <= base <= 0xFFFFFFFF or base + len(blob) > 1 << 32:
        raise BadInput(f"{path}: --base {base:#x}: a raw binary of {len(blob):,} bytes must lie "
                       "inside the 32-bit address space (0 <= base, base + size <= 0x100000000)")
    table = SymbolTable(_sized(load_symbol_file(symbols), base + len(blob))) if symbols else SymbolTable()
    return Image(str(path), digest, None, None, (Segment(base, blob, len(blob)),), table, "bin")


def _sized(symbols: dict[str, Symbol], end: int) -> dict[str, Symbol]:
    """Give size-less symbols the span up to the next symbol (the last one: to ``end``)."""
    ordered = sorted(symbols.values(), key=lambda s: s.addr)
    bounds = [s.addr for s in ordered[1:]] + [end]
    return {s.name: Symbol(s.name, s.addr, max(0, nxt - s.addr) or 1, s.kind) for s, nxt in zip(ordered, bounds)}


def load_symbol_file(path: str | Path) -> dict[str, Symbol]:
    """Parse ``nm`` output: 'ADDRESS TYPE NAME' lines; T/t are functions, others objects."""
    out: dict[str, Symbol] = {}
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read symbol file: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        try:
            addr = int(parts[0], 16)
            kind, name = parts[1], parts[2]
        except (ValueError, IndexError):
            raise BadInput(f"{path}:{number}: expected 'ADDRESS TYPE NAME', got {line.strip()!r}") from None
        out[name] = Symbol(name, addr & ~1 if kind in "Tt" else addr, 0, "func" if kind in "Tt" else "object")
    return out


@contextmanager
def _part(path: Path, what: str):
    """Turn any failure of pyelftools while reading ``what`` into one BadInput line."""
    try:
        yield
    except BadInput:
        raise
    except (Exception, RecursionError) as exc:       # pyelftools raises every kind there is
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = detail.replace("expected ", "needs ").replace(", found ", " bytes, file has ")
        raise BadInput(f"{path}: malformed ELF: {what}: {type(exc).__name__}"
                       + (f" ({detail[:160]})" if detail else "")) from None


def _load_elf(path: Path, blob: bytes, digest: str) -> Image:
    with _part(path, f"ELF header (file offset 0, {len(blob)} bytes in the file)"):
        elf = ELFFile(io.BytesIO(blob))
        arch = _check_header(path, elf)
        header = elf.header
        entry = header.e_entry
    with _part(path, f"program header table (e_phoff 0x{header.e_phoff:x}, "
                     f"e_phnum {header.e_phnum})"):
        segments = tuple(_segments(path, elf))
    with _part(path, f"section header table (e_shoff 0x{header.e_shoff:x}, "
                     f"e_shnum {header.e_shnum}, e_shstrndx {header.e_shstrndx})"):
        sections = _section_table(elf)
    symbols = SymbolTable(_symbols(path, elf, arch, sections))
    with _part(path, _describe(sections, ".debug_line")):
        lines = _source_lines(elf, blob, symbols)
    with _part(path, _describe(sections, ".ARM.attributes")):
        hard_float = spec_for(arch).fp_abi_attribute and _passes_fp_in_registers(elf)
    if not segments:
        raise BadInput(f"{path}: ELF has no loadable (PT_LOAD) segment")
    return Image(str(path), digest, arch, entry, segments, symbols, "elf", lines, hard_float)


def _section_table(elf: ELFFile) -> dict[str, tuple[int, int]]:
    """Section name -> (index, file offset), reading every section header once (first wins)."""
    found: dict[str, tuple[int, int]] = {}
    for index in range(elf.num_sections()):
        section = elf.get_section(index)
        found.setdefault(section.name, (index, section["sh_offset"]))
    return found


def _describe(sections: dict[str, tuple[int, int]], name: str) -> str:
    index, offset = sections.get(name, (None, None))
    return name if index is None else f"section {name} (#{index}, file offset 0x{offset:x})"


def _passes_fp_in_registers(elf: ELFFile) -> bool:
    """Tag_ABI_VFP_args = 1 in .ARM.attributes (Addenda to the Arm EABI, 'Build attributes'):
    the image was built with -mfloat-abi=hard and needs an FPU."""
    section = elf.get_section_by_name(".ARM.attributes")
    if section is None or not hasattr(section, "iter_subsections"):
        return False
    return any(attr.tag == "TAG_ABI_VFP_ARGS" and attr.value == 1
               for sub in section.iter_subsections() for subsub in sub.iter_subsubsections()
               for attr in subsub.iter_attributes())


def _source_lines(elf: ELFFile, blob: bytes, symbols: SymbolTable) -> SourceLines | None:
    """A lazy DWARF line table when the ELF has one (nothing is decoded here)."""
    if not has_line_table(elf):
        return None
    at_zero = any(s.addr == 0 and s.kind == "func" for s in symbols.by_name.values())
    return SourceLines(blob, has_code_at_zero=at_zero)


def _check_header(path: Path, elf: ELFFile) -> str:
    machine = elf.header.e_machine
    numeric = {"EM_ARM": EM_ARM, "EM_PPC": EM_PPC}.get(machine, machine)
    spec = by_elf_machine(numeric) if isinstance(numeric, int) else None
    if spec is None or elf.elfclass != 32:
        raise BadInput(f"{path}: unsupported ELF machine {machine} (ELF{elf.elfclass}); "
                       "expected 32-bit ARM or PowerPC")
    if elf.little_endian == spec.big_endian:
        raise BadInput(f"{path}: {spec.name} images must be "
                       f"{'big' if spec.big_endian else 'little'}-endian")
    return spec.name


def _segments(path: Path, elf: ELFFile):
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        if seg["p_flags"] & PF_PPC_VLE and elf.header.e_machine in ("EM_PPC", EM_PPC):
            raise BadInput(f"{path}: VLE code is not supported (segment at 0x{seg['p_paddr']:08x}); "
                           "build with classic Book E instructions")
        if seg["p_filesz"] > seg["p_memsz"]:
            raise BadInput(f"{path}: segment at 0x{seg['p_paddr']:08x}: p_filesz 0x{seg['p_filesz']:x} "
                           f"is larger than p_memsz 0x{seg['p_memsz']:x}")
        if seg["p_paddr"] + seg["p_memsz"] > 1 << 32:
            raise BadInput(f"{path}: segment at 0x{seg['p_paddr']:08x}+0x{seg['p_memsz']:x} runs "
                           "past the end of the 32-bit address space")
        data = seg.data()
        if len(data) != seg["p_filesz"]:
            raise BadInput(f"{path}: truncated segment at 0x{seg['p_paddr']:08x}")
        yield Segment(seg["p_paddr"], data, seg["p_memsz"])
    for sec in elf.iter_sections():
        if sec["sh_flags"] & SHF_PPC_VLE and elf.header.e_machine in ("EM_PPC", EM_PPC):
            raise BadInput(f"{path}: section {sec.name} is VLE code, which is not supported")


def _symbols(path: Path, elf: ELFFile, arch: str, sections) -> dict[str, Symbol]:
    """Named function/object symbols of .symtab; a .symtab that is not a symbol table (the
    wrong sh_type) or whose string table is broken is a BadInput naming the section."""
    if ".symtab" not in sections:
        return {}
    with _part(path, _describe(sections, ".symtab")):
        table = elf.get_section(sections[".symtab"][0])
        if not isinstance(table, SymbolTableSection):
            raise BadInput(f"{path}: malformed ELF: {_describe(sections, '.symtab')}: sh_type "
                           f"{table['sh_type']} is not SHT_SYMTAB")
        return _named_symbols(table, arch)


def _named_symbols(table: SymbolTableSection, arch: str) -> dict[str, Symbol]:
    out: dict[str, Symbol] = {}
    thumb_bit = spec_for(arch).thumb_code_symbols       # AAELF32 5.5.3: bit 0 of a Thumb function
    for sym in table.iter_symbols():
        kind = {"STT_FUNC": "func", "STT_OBJECT": "object", "STT_NOTYPE": "notype"}.get(sym["st_info"]["type"])
        if not sym.name or kind is None or sym["st_shndx"] == "SHN_UNDEF" or sym.name.startswith("$"):
            continue
        addr = sym["st_value"] & ~1 if thumb_bit and kind == "func" else sym["st_value"]
        if sym.name not in out or out[sym.name].kind != "func":
            out[sym.name] = Symbol(sym.name, addr, sym["st_size"], kind)
    return out
