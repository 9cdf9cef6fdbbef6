"""Splits GNU-style assembly source into per-symbol chunks (sections, types, constants, alignment)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.asm import AsmError

COMMENT = {"arm": "@", "ppc": "#"}
SECTIONS = (".vectors", ".text", ".rodata", ".bss")
_LABEL = re.compile(r"^\s*([A-Za-z_.$][\w.$]*)\s*:(.*)$")
_IGNORED = {".syntax", ".thumb", ".thumb_func", ".size", ".cpu", ".arch", ".file", ".p2align_ignore"}


@dataclass
class Chunk:
    """One symbol's body: the lines from its label to the next non-local label."""

    name: str
    section: str
    align: int
    lines: list[str] = field(default_factory=list)
    kind: str | None = None          # 'func' / 'object' from .type, else decided by section
    is_global: bool = False
    origin: str = ""                 # 'file:line' of the label, for error messages


@dataclass
class Source:
    chunks: list[Chunk] = field(default_factory=list)
    constants: dict[str, int] = field(default_factory=dict)


def strip_comment(line: str, arch: str) -> str:
    line = line.split("//", 1)[0] if arch == "arm" else line
    return line.split(COMMENT[arch], 1)[0].rstrip()


def eval_const(expr: str, constants: dict[str, int], where: str) -> int:
    """Evaluate an integer expression over numbers and earlier .equ constants."""
    if not re.fullmatch(r"[\w\s+\-*/()<>|&~^]*", expr):
        raise AsmError(f"{where}: unsupported expression {expr!r}")
    try:
        return int(eval(expr.replace("/", "//"), {"__builtins__": {}}, dict(constants)))
    except Exception as exc:  # noqa: BLE001 - any failure is a source error
        raise AsmError(f"{where}: cannot evaluate {expr!r}: {exc}") from None


class _Parser:
    def __init__(self, arch: str):
        self.arch, self.src = arch, Source()
        self.section, self.pending_align = ".text", 0
        self.types: dict[str, str] = {}
        self.globals: set[str] = set()
        self.current: Chunk | None = None

    def feed(self, text: str, filename: str) -> None:
        for number, raw in enumerate(text.splitlines(), 1):
            self.line(strip_comment(raw, self.arch), f"{filename}:{number}")

    def line(self, line: str, where: str) -> None:
        if not line.strip():
            return
        if (m := _LABEL.match(line)) and not m[1].startswith(".L"):
            self.start_chunk(m[1], where)
            line = m[2]
            if not line.strip():
                return
        word = line.split(None, 1)
        head, rest = word[0], (word[1] if len(word) > 1 else "")
        if self.directive(head.lower(), rest.strip(), where):
            return
        if self.current is None:
            raise AsmError(f"{where}: code or data before any label: {line.strip()!r}")
        self.current.lines.append(line)

    def directive(self, head: str, rest: str, where: str) -> bool:
        """Handle directives the chunker owns; False for lines that belong to a chunk body."""
        if head in (".section", *SECTIONS) or head in (".data",):
            name = rest.split(",")[0].strip() if head == ".section" else head
            if name not in SECTIONS:
                raise AsmError(f"{where}: unknown section {name!r} (use one of {SECTIONS})")
            self.section, self.current = name, None
            return True
        if head in (".global", ".globl"):
            self.globals.update(n.strip() for n in rest.split(","))
            return True
        if head == ".type":
            name, kind = [p.strip() for p in rest.split(",")]
            self.types[name] = "func" if "function" in kind else "object"
            return True
        if head in (".equ", ".set"):
            name, expr = [p.strip() for p in rest.split(",", 1)]
            self.src.constants[name] = eval_const(expr, self.src.constants, where)
            return True
        if head in (".balign", ".align", ".p2align") and self.current is None:
            n = eval_const(rest, self.src.constants, where)
            self.pending_align = n if head == ".balign" else 1 << n
            return True
        return head in _IGNORED

    def start_chunk(self, name: str, where: str) -> None:
        align = self.pending_align or (4 if self.section != ".text" or self.arch == "ppc" else 2)
        self.current = Chunk(name, self.section, align, origin=where)
        self.src.chunks.append(self.current)
        self.pending_align = 0

    def finish(self) -> Source:
        names = [c.name for c in self.src.chunks]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise AsmError(f"symbols defined twice: {', '.join(sorted(dup))}")
        for chunk in self.src.chunks:
            chunk.kind = self.types.get(chunk.name) or ("func" if chunk.section == ".text" else "object")
            chunk.is_global = chunk.name in self.globals
        return self.src


def parse(files: list[tuple[str, str]], arch: str) -> Source:
    """Parse (filename, text) pairs, in order, into one Source."""
    parser = _Parser(arch)
    for filename, text in files:
        parser.feed(text, filename)
        parser.section, parser.current = ".text", None
    return parser.finish()
