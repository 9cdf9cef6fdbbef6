"""The interrupt stack's bounds: from a rules file's [isr_stack], else from the image (rules/stacks.toml)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

from ..arch import spec_for
from .model import StackRule

CANDIDATES = Path(__file__).parent / "stacks.toml"
HINT = "set [isr_stack] in a rules file"


@dataclass(frozen=True)
class Candidate:
    """One toolchain's way of marking the handler stack (see rules/stacks.toml)."""

    source: str
    arch: tuple[str, ...]
    base: str | None = None
    top: str | None = None
    size: str | None = None
    sized: bool = False

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(s for s in (self.base, self.top, self.size) if s)


@dataclass(frozen=True)
class StackBounds:
    """The stack to watch, or why none is: ``base``/``top`` None and ``reason`` set."""

    name: str
    base: int | None
    top: int | None
    source: str

    @property
    def watched(self) -> bool:
        return self.base is not None and self.top is not None


@lru_cache(maxsize=1)
def candidates() -> tuple[Candidate, ...]:
    data = tomllib.loads(CANDIDATES.read_text(encoding="utf-8"))
    return tuple(Candidate(**{**c, "arch": tuple(c["arch"])}) for c in data["candidate"])


def find(rule: StackRule, arch: str, symbols: Mapping, vector0: Callable[[], int | None]) -> StackBounds:
    """Bounds for ``rule`` (integers or symbol names, None to find) on an image with
    ``symbols`` (name -> object with ``addr`` and ``size``); ``vector0()`` reads the initial MSP."""
    if isinstance(rule.base, int) and isinstance(rule.top, int):
        return _checked(rule.name, rule.base, rule.top, "rules file")
    if rule.base is not None or rule.top is not None:
        return _partial(rule, arch, symbols, vector0)
    for cand in candidates():
        if arch in cand.arch and all(s in symbols for s in cand.symbols):
            if cand.top or cand.sized or spec_for(arch).reset_sp_in_vector:
                return _from_candidate(rule.name, cand, symbols, vector0)
    return StackBounds(rule.name, None, None, f"not watched: no base symbol ({HINT})")


def _partial(rule: StackRule, arch: str, symbols: Mapping, vector0) -> StackBounds:
    look = lambda v: symbols[v].addr if isinstance(v, str) else v  # noqa: E731
    base, top = look(rule.base), look(rule.top)
    if top is None and spec_for(arch).reset_sp_in_vector:
        top = vector0()
        return _checked(rule.name, base, top, "rules file base, top from vector[0]")
    if base is None or top is None:
        return StackBounds(rule.name, None, None,
                           f"not watched: the rules give only one bound ({HINT} with base and top)")
    return _checked(rule.name, base, top, "rules file")


def _from_candidate(name: str, cand: Candidate, symbols: Mapping, vector0) -> StackBounds:
    top = symbols[cand.top].addr if cand.top else None
    base = symbols[cand.base].addr if cand.base else None
    if cand.sized:
        top = base + symbols[cand.base].size
    if top is None:
        top = vector0()
    if base is None and top is not None:
        base = top - symbols[cand.size].addr
    used = "/".join(cand.symbols) + ("" if cand.top or cand.sized else " and vector[0]")
    return _checked(name, base, top, f"{used} ({cand.source})")


def _checked(name: str, base, top, source: str) -> StackBounds:
    if base is None or top is None:
        return StackBounds(name, None, None, f"not watched: no initial stack pointer in vector[0] ({HINT})")
    if not 0 <= base < top:
        return StackBounds(name, None, None, f"not watched: base {base:#x} is not below top "
                                             f"{top:#x} (from {source}; {HINT})")
    return StackBounds(name, base, top, source)
