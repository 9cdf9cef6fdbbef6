"""Source positions from DWARF: a code address to (file, line) through the ELF's .debug_line.

``SourceLines`` is created by the image loader for every ELF that has a ``.debug_line`` section
and reads nothing until the first ``lookup``: a run that reports no finding never parses DWARF.
The first lookup decodes every line program once (pyelftools) into sorted address ranges; each
later lookup is one bisection.

File names (DWARF 5 §6.2.4, DWARF 2-4 §6.2.4 likewise): the name a line-table row refers to is
joined with its include directory when that directory is not the compilation directory (index 0
in DWARF 5; index 0 is "the current directory of the compilation" before it), and the
compilation directory itself is never prepended; the result is normalised (``./a/../b.c`` ->
``b.c``).  So a file is reported as the compiler was given it: ``firmware/c/arm/rtos_demo.c``
for sources compiled from the repository root with ``-ffile-prefix-map=ROOT=.`` (what
firmware/c does for its rtos demos), an absolute path for sources named absolutely.

Code the linker discarded (``--gc-sections``) keeps its line-table sequences with the start
address resolved to 0.  As GDB does, sequences starting at address 0 are ignored unless the image
has a function symbol at 0 (``has_code_at_zero``); even then every other sequence covering an
address wins over them, and among them the longest one (a linked section outlives the stub of a
discarded function).
"""
from __future__ import annotations

import bisect
import io
import posixpath

from elftools.elf.elffile import ELFFile

Source = tuple[str, int]
# Corrupt DWARF makes pyelftools raise anything (DWARFError, ConstructError, AssertionError,
# ZeroDivisionError, IndexError, RecursionError, ...): broken debug info gives no source.
_BROKEN = Exception


class RangeTable:
    """Sorted, non-overlapping [start, end) address ranges, each with its source position."""

    def __init__(self, ranges: list[tuple[int, int, Source]]):
        ranges.sort(key=lambda r: (r[0], r[1]))
        self.starts = [r[0] for r in ranges]
        self.ends = [r[1] for r in ranges]
        self.sources = [r[2] for r in ranges]

    def lookup(self, addr: int) -> Source | None:
        i = bisect.bisect_right(self.starts, addr) - 1
        return self.sources[i] if i >= 0 and addr < self.ends[i] else None

    def __len__(self) -> int:
        return len(self.starts)


class SourceLines:
    """Lazily loaded DWARF line table of one ELF image (held as bytes)."""

    def __init__(self, blob: bytes, has_code_at_zero: bool = False):
        self._blob = blob
        self._zero_ok = has_code_at_zero
        self._tables: list[RangeTable] | None = None

    @property
    def loaded(self) -> bool:
        return self._tables is not None

    def lookup(self, addr: int) -> Source | None:
        """(file, line) of the instruction at ``addr``, or None when no line row covers it."""
        if self._tables is None:
            self._tables = self._load()
        for table in self._tables:
            found = table.lookup(addr)
            if found is not None:
                return found
        return None

    def _load(self) -> list[RangeTable]:
        """Linked code first, then the address-0 sequences longest first (see module docstring)."""
        try:
            sequences = list(read_sequences(self._blob))
        except _BROKEN:
            return []                     # broken debug info gives no source, never a crash
        self._blob = b""
        linked = [r for seq in sequences if seq[0][0] != 0 for r in seq]
        at_zero = [seq for seq in sequences if seq[0][0] == 0] if self._zero_ok else []
        at_zero.sort(key=lambda seq: seq[-1][1], reverse=True)
        return [RangeTable(linked)] + [RangeTable(seq) for seq in at_zero]


def has_line_table(elf: ELFFile) -> bool:
    """Whether ``elf`` carries a .debug_line section (a cheap section-header check)."""
    return elf.get_section_by_name(".debug_line") is not None


def read_sequences(blob: bytes):
    """Every line-table sequence of the ELF in ``blob``, as a list of (start, end, source)."""
    elf = ELFFile(io.BytesIO(blob))
    dwarf = elf.get_dwarf_info(relocate_dwarf_sections=False)
    for cu in dwarf.iter_CUs():
        program = dwarf.line_program_for_CU(cu)
        if program is not None:
            yield from program_sequences(program)


def program_sequences(program):
    """Split one line program's rows into sequences of address ranges."""
    names = FileNames(program.header)
    rows: list[tuple[int, Source]] = []
    for entry in program.get_entries():
        state = entry.state
        if state is None:
            continue
        if state.end_sequence:
            ranges = rows_to_ranges(rows, state.address)
            if ranges:
                yield ranges
            rows = []
        else:
            rows.append((state.address, (names.path(state.file), state.line)))


def rows_to_ranges(rows: list[tuple[int, Source]], end: int) -> list[tuple[int, int, Source]]:
    """Each row covers the addresses up to the next row's; rows of zero length drop out."""
    bounds = [addr for addr, _ in rows[1:]] + [end]
    return [(addr, nxt, source) for (addr, source), nxt in zip(rows, bounds) if nxt > addr]


class FileNames:
    """File index of a line program -> path, per the header's file and directory tables."""

    def __init__(self, header):
        self.version = header["version"]
        self.files = header["file_entry"]
        self.dirs = header["include_directory"]
        self._cache: dict[int, str] = {}

    def path(self, index: int) -> str:
        if index not in self._cache:
            self._cache[index] = self._resolve(index)
        return self._cache[index]

    def _resolve(self, index: int) -> str:
        position = index if self.version >= 5 else index - 1
        if not 0 <= position < len(self.files):
            return f"<file {index}>"
        entry = self.files[position]
        name = _text(entry.name)
        directory = self._directory(entry.dir_index)
        if directory and not posixpath.isabs(name):
            name = posixpath.join(directory, name)
        return posixpath.normpath(name)

    def _directory(self, index: int) -> str:
        """The include directory ``index``; '' for the compilation directory."""
        position = index if self.version >= 5 else index - 1
        if index == 0 or not 0 <= position < len(self.dirs):
            return ""
        return _text(self.dirs[position])


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
