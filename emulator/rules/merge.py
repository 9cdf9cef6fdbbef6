"""Rules sources (profiles, a user's file) read as TOML and merged key by key, remembering who set what."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..load.tomlkeys import key_lines, line_of, parse_toml

# Keys that tie a function's policy together: a file that sets ``isr`` replaces them all.
_POLICY_KEYS = ("isr", "when_flag", "when_arg")


@dataclass(frozen=True)
class Source:
    """One decoded rules document: its file name, its tables and where each key is written."""

    path: str
    data: dict
    lines: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, path: str) -> Source:
        return cls(path, parse_toml(text, path), key_lines(text))

    @classmethod
    def from_file(cls, path: str | Path) -> Source:
        return cls.from_text(read_rules_text(Path(path)), str(path))

    def where(self, key: str) -> str:
        """``file:line`` of ``key`` (``file`` alone when it is not written down)."""
        line = line_of(self.lines, key)
        return f"{self.path}:{line}" if line else self.path


def read_rules_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read rules file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text (byte {exc.start}): not a rules file") from None


@dataclass
class Merged:
    """The merged document and, per top-level key or function, the source that last set it."""

    data: dict = field(default_factory=dict)
    origin: dict[str, Source] = field(default_factory=dict)
    last: Source | None = None

    def source_of(self, key: str) -> Source | None:
        parts = key.split(".")
        name = ".".join(parts[:2]) if parts[0] in ("functions", "budgets") else parts[0]
        return self.origin.get(name) or self.origin.get(parts[0]) or self.last

    def where(self, key: str) -> str:
        source = self.source_of(key)
        return source.where(key) if source else "rules"


def merge(sources: list[Source]) -> Merged:
    """Later sources extend and override earlier ones: a function table key by key (a new
    ``isr`` drops the old ``when_flag``/``when_arg``), ``isr_stack`` key by key, budgets per key;
    a value that is not a table replaces what was there (the parser reports it)."""
    merged = Merged()
    for source in sources:
        merged.last = source
        for key, value in source.data.items():
            if key == "profile":
                continue
            if key in ("functions", "budgets") and isinstance(value, dict):
                _merge_tables(merged, key, expand_aliases(value) if key == "functions" else value,
                              source)
            else:
                merged.data[key] = _overlay(merged.data.get(key), value)
                merged.origin[key] = source
    return merged


def _merge_tables(merged: Merged, key: str, tables: dict, source: Source) -> None:
    into = merged.data.setdefault(key, {})
    if not isinstance(into, dict):
        into = merged.data[key] = {}
    for name, table in tables.items():
        old = into.get(name)
        if key == "functions" and isinstance(table, dict) and "isr" in table and isinstance(old, dict):
            old = {k: v for k, v in old.items() if k not in _POLICY_KEYS}
        into[name] = _overlay(old, table)
        merged.origin[f"{key}.{name}"] = source
    merged.origin.setdefault(key, source)


def _overlay(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **new}
    return new


def expand_aliases(functions: dict) -> dict:
    """``aliases = ["z_impl_k_sem_take"]`` in a function's table: the same rule under each other
    name (an API's macro target or syscall implementation); an explicit table wins."""
    out = dict(functions)
    for name, table in functions.items():
        if not isinstance(table, dict) or "aliases" not in table:
            continue
        aliases = table["aliases"]
        rest = {k: v for k, v in table.items() if k != "aliases"}
        out[name] = rest
        if isinstance(aliases, list):
            for alias in aliases:
                if isinstance(alias, str) and alias not in functions:
                    out[alias] = dict(rest)
        else:
            out[name] = table                   # the parser reports the bad value
    return out
