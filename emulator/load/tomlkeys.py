"""Where a dotted key is written in a TOML text: line numbers for error messages (tomllib has none)."""
from __future__ import annotations

import re
import tomllib

from ..errors import BadInput

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=""")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", dotted)]


def key_lines(text: str) -> dict[str, int]:
    """Dotted key -> the 1-based line that writes it (table headers, assignments and the keys of
    one-line inline tables; the n-th table of an array of tables as ``name[n]``); approximate
    for multi-line values, which is all an error needs."""
    lines: dict[str, int] = {}
    prefix: list[str] = []
    arrays: dict[str, int] = {}             # array-of-tables name -> tables seen
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            prefix = _parts(header.group(2))
            if header.group(1) == "[[":     # the n-th [[memory]] is memory[n] (and memory)
                name = ".".join(prefix)
                lines.setdefault(name, number)
                arrays[name] = arrays.get(name, -1) + 1
                prefix = prefix[:-1] + [f"{prefix[-1]}[{arrays[name]}]"]
            lines.setdefault(".".join(prefix), number)
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        key = prefix + _parts(assign.group(1))
        lines.setdefault(".".join(key), number)
        for inner in _INLINE_KEY.findall(line[assign.end():]):
            lines.setdefault(".".join(key + [inner.strip("\"'")]), number)
    return lines


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, or of its nearest enclosing key that is written down."""
    parts = key.split(".")
    while parts:
        found = lines.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


def parse_toml(text: str, path, what: str = "TOML") -> dict:
    """``text`` parsed; malformed or too deeply nested TOML is one BadInput naming ``path``
    (``what``: how the message names the document, e.g. 'TOML manifest')."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: malformed {what}: {exc}") from None
    except RecursionError:
        raise BadInput(f"{path}: malformed {what}: tables or arrays nested too deeply") from None
