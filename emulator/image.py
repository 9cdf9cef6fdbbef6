"""Firmware images: ELF32 (with symbols) or raw binaries, parsed into an engine-free Image."""
from __future__ import annotations

import bisect
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .dwarf import Source, SourceLines, has_line_table
from .errors import BadInput

EM_ARM, EM_PPC = 40, 20
ARCH_OF_MACHINE = {EM_ARM: "cortex-m", EM_PPC: "ppc-booke"}
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
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read image: {exc.strerror or exc}") from None
    digest = hashlib.sha256(blob).hexdigest()
    if blob[:4] == b"\x7fELF":
        return _load_elf(path, blob, digest)
    if base is None:
        if path.suffix.lower() == ".bin":
            base = 0
        else:
            raise BadInput(f"{path}: not an ELF file (for a raw binary pass --base ADDRESS)")
    if not blob:
        raise BadInput(f"{path}: empty image")
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


def _load_elf(path: Path, blob: bytes, digest: str) -> Image:
    try:
        elf = ELFFile(io.BytesIO(blob))
        arch = _check_header(path, elf)
        segments = tuple(_segments(path, elf))
        symbols = SymbolTable(_symbols(elf, arch))
        lines = _source_lines(elf, blob, symbols)
        hard_float = arch == "cortex-m" and _passes_fp_in_registers(elf)
    except ELFError as exc:
        raise BadInput(f"{path}: malformed ELF: {exc}") from None
    except (ValueError, KeyError, AssertionError, OSError, EOFError) as exc:
        raise BadInput(f"{path}: malformed or truncated ELF: {exc or type(exc).__name__}") from None
    if not segments:
        raise BadInput(f"{path}: ELF has no loadable (PT_LOAD) segment")
    return Image(str(path), digest, arch, elf.header.e_entry, segments, symbols, "elf", lines,
                 hard_float)


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
    if numeric not in ARCH_OF_MACHINE or elf.elfclass != 32:
        raise BadInput(f"{path}: unsupported ELF machine {machine} (ELF{elf.elfclass}); "
                       "expected 32-bit ARM or PowerPC")
    arch = ARCH_OF_MACHINE[numeric]
    want_little = arch == "cortex-m"
    if elf.little_endian != want_little:
        raise BadInput(f"{path}: {arch} images must be {'little' if want_little else 'big'}-endian")
    return arch


def _segments(path: Path, elf: ELFFile):
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        if seg["p_flags"] & PF_PPC_VLE and elf.header.e_machine in ("EM_PPC", EM_PPC):
            raise BadInput(f"{path}: VLE code is not supported (segment at 0x{seg['p_paddr']:08x}); "
                           "build with classic Book E instructions")
        data = seg.data()
        if len(data) != seg["p_filesz"]:
            raise BadInput(f"{path}: truncated segment at 0x{seg['p_paddr']:08x}")
        yield Segment(seg["p_paddr"], data, seg["p_memsz"])
    for sec in elf.iter_sections():
        if sec["sh_flags"] & SHF_PPC_VLE and elf.header.e_machine in ("EM_PPC", EM_PPC):
            raise BadInput(f"{path}: section {sec.name} is VLE code, which is not supported")


def _symbols(elf: ELFFile, arch: str) -> dict[str, Symbol]:
    table = elf.get_section_by_name(".symtab")
    out: dict[str, Symbol] = {}
    if table is None:
        return out
    for sym in table.iter_symbols():
        kind = {"STT_FUNC": "func", "STT_OBJECT": "object", "STT_NOTYPE": "notype"}.get(sym["st_info"]["type"])
        if not sym.name or kind is None or sym["st_shndx"] == "SHN_UNDEF" or sym.name.startswith("$"):
            continue
        addr = sym["st_value"] & ~1 if arch == "cortex-m" and kind == "func" else sym["st_value"]
        if sym.name not in out or out[sym.name].kind != "func":
            out[sym.name] = Symbol(sym.name, addr, sym["st_size"], kind)
    return out
