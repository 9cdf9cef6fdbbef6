"""ISR-safety rules: frozen dataclasses parsed from TOML (format: README "Rules", parser: rulesparse.py).

A rules document names the functions to watch (allocators, their frees, functions that may block
and functions watched only to show call chains), when each may run in interrupt context, the
interrupt stack and budgets.  Symbols are checked against an image with ``Rules.bind(symbols)``,
which keeps this module engine-free.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from ..errors import BadInput

Addr = int | str
PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PATH = PROFILE_DIR / "fwsandbox.toml"
ALLOC_KINDS = ("pool", "page", "heap", "other")
CALL_KINDS = ("blocking", "call")       # may sleep (blocking-in-isr) / watched for call chains only
KINDS = ALLOC_KINDS + CALL_KINDS
ISR_POLICIES = ("always", "never", "when-flag", "when-arg")


@dataclass(frozen=True)
class FlagTest:
    """Argument ``arg`` must have every bit of ``mask`` set."""

    arg: int
    mask: int
    name: str


@dataclass(frozen=True)
class ArgTest:
    """Every argument in ``args`` must equal ``equals`` (a timeout of 0: K_NO_WAIT, TX_NO_WAIT)."""

    args: tuple[int, ...]
    equals: int

    def holds(self, values: tuple[int, ...]) -> bool:
        return all((values[i] if i < len(values) else 0) == self.equals for i in self.args)

    @property
    def text(self) -> str:
        where = " and ".join(f"argument {i}" for i in self.args)
        return f"{where} == {self.equals:#x}"


@dataclass(frozen=True)
class FunctionRule:
    """One watched function: an allocator (role 'alloc'), its free function (role 'free'), or a
    call (role 'call': kind 'blocking', a function that may sleep, or 'call', watched only so
    that backtraces show the chain through it).  ``inner``: a call made while a call of the
    same group is open in the same context is part of that call (malloc -> _malloc_r)."""

    name: str
    role: str
    kind: str
    isr: str
    group: str
    reentrant: bool
    waits: bool = False
    size_arg: int | None = None
    block_size: int | None = None
    flags_arg: int | None = None
    ptr_arg: int | None = None
    instance_arg: int | None = None
    free: str | None = None
    allocs: tuple[str, ...] = ()
    when_flag: FlagTest | None = None
    flags: tuple[tuple[str, int], ...] = ()
    region: tuple[Addr, Addr] | None = None
    when_arg: ArgTest | None = None
    inner: bool = False
    origin: str = ""                    # the file that last set this function's rule

    def allowed_in_interrupt(self, args: tuple[int, ...]) -> bool:
        """Whether a call with ``args`` is allowed in interrupt context."""
        if self.isr == "when-flag" and self.when_flag is not None:
            test = self.when_flag
            value = args[test.arg] if test.arg < len(args) else 0
            return value & test.mask == test.mask
        if self.isr == "when-arg" and self.when_arg is not None:
            return self.when_arg.holds(args)
        return self.isr == "always"

    @property
    def finding_kind(self) -> str:
        return "blocking-in-isr" if self.kind == "blocking" else "alloc-in-isr"

    def block_bytes(self, args: tuple[int, ...]) -> int:
        """Size of the block an allocation with ``args`` returns (1 when unknown)."""
        if self.size_arg is not None and self.size_arg < len(args):
            return max(args[self.size_arg], 1)
        return self.block_size or 1

    def format_args(self, args: tuple[int, ...]) -> str:
        """``size=32, flags=0x3 (PAGE_ATOMIC|PAGE_ZERO)`` style rendering of ``args``."""
        named = {self.instance_arg: self.kind if self.kind != "other" else "instance",
                 self.size_arg: "size", self.flags_arg: "flags", self.ptr_arg: "ptr"}
        parts = []
        for index, name in sorted((i, n) for i, n in named.items() if i is not None):
            if index < len(args):
                parts.append(f"{name}={self._format_value(name, args[index])}")
        return ", ".join(parts)

    def instance(self, args: tuple[int, ...]) -> int | None:
        """The pool instance a call works on, when the rule names an ``instance_arg``."""
        arg = self.instance_arg
        return args[arg] if arg is not None and arg < len(args) else None

    def _format_value(self, name: str, value: int) -> str:
        if name == "size":
            return str(value)
        if name == "flags" and value:
            return f"{value:#x} ({decode_flags(value, self.flags)})"
        return f"{value:#x}"


def decode_flags(value: int, names: tuple[tuple[str, int], ...]) -> str:
    """``PAGE_ATOMIC|PAGE_ZERO``; unnamed bits as hex, ``0`` for none."""
    parts, rest = [], value
    for name, mask in sorted(names, key=lambda item: (item[1], item[0])):
        if mask and value & mask == mask:
            parts.append(name)
            rest &= ~mask
    if rest:
        parts.append(f"{rest:#x}")
    return "|".join(parts) or "0"


@dataclass(frozen=True)
class StackRule:
    """The interrupt stack: [base, top), growing down from ``top``; a bound left None is found
    in the image (stackbounds.py)."""

    name: str = "isr"
    base: Addr | None = None
    top: Addr | None = None


@dataclass(frozen=True)
class CycleBudget:
    """Exclusive-cycle limits for one function (None: no limit)."""

    max: int | None = None
    p99: int | None = None


Limits = tuple[tuple[str, int], ...]     # (key, cycles), sorted; key 'default' for the rest


@dataclass(frozen=True)
class Budgets:
    """``[budgets]``: the interrupt-stack bytes, per-allocator cycles, and the interrupt timing
    limits (README "Budgets"): ``isr_cycles`` by handler symbol, ``masked_cycles`` by the
    function that masks, ``latency_cycles`` by handler symbol or interrupt name ('SysTick',
    'IRQ8', 'INTC59': case-insensitive); each may have a ``default``."""

    isr_stack_bytes: int | None = None
    cycles: tuple[tuple[str, CycleBudget], ...] = ()
    isr_cycles: Limits = ()
    masked_cycles: Limits = ()
    latency_cycles: Limits = ()

    def cycles_for(self, function: str) -> CycleBudget | None:
        return dict(self.cycles).get(function)

    def isr_cycles_for(self, handler: str, number: int = 0) -> int | None:
        return _limit(self.isr_cycles, handler)

    def masked_for(self, function: str) -> int | None:
        return _limit(self.masked_cycles, function)

    def latency_for(self, handler: str, name: str = "") -> int | None:
        return _limit(self.latency_cycles, handler, name.lower())

    @property
    def wants_masks(self) -> bool:
        """Whether these budgets need the interrupt masks watched (masked sections, and the
        cause of a latency)."""
        return bool(self.masked_cycles or self.latency_cycles)

    @property
    def timing_symbols(self) -> tuple[tuple[str, str], ...]:
        """(key, symbol) of every isr_cycles/masked_cycles entry but ``default``."""
        return tuple((f"budgets.{field}.{name}", name)
                     for field in ("isr_cycles", "masked_cycles")
                     for name, _ in getattr(self, field) if name != "default")


def _limit(limits: Limits, *names: str) -> int | None:
    """The limit of the first of ``names`` listed (names compared case-insensitively after an
    exact match), else ``default``'s, else None."""
    table = dict(limits)
    lowered = {key.lower(): value for key, value in limits}
    for name in names:
        if name in table:
            return table[name]
        if name.lower() in lowered:
            return lowered[name.lower()]
    return table.get("default")


@dataclass(frozen=True)
class Rules:
    """A parsed rules file; ``functions`` sorted by name."""

    path: str
    functions: tuple[FunctionRule, ...]
    isr_stack: StackRule = StackRule()
    budgets: Budgets = Budgets()

    @cached_property
    def by_name(self) -> Mapping[str, FunctionRule]:
        """Every rule by function name (``by_name.get`` is ``get`` for hot loops)."""
        return {rule.name: rule for rule in self.functions}

    def get(self, name: str) -> FunctionRule | None:
        """The rule for function ``name``, or None when it is not watched."""
        return self.by_name.get(name)

    @property
    def watched(self) -> tuple[str, ...]:
        """Every function the machine must hook (allocators and frees), sorted."""
        return tuple(rule.name for rule in self.functions)

    def missing_symbols(self, symbols: Mapping[str, int], *,
                        functions: bool = True) -> list[tuple[str, str]]:
        """(key, symbol) pairs naming symbols the image lacks."""
        refs = list(self._symbol_refs())
        if functions:
            refs += [(f"functions.{r.name}", r.name) for r in self.functions]
        return [(key, name) for key, name in refs if name not in symbols]

    def only(self, names) -> Rules:
        """These rules restricted to the functions in ``names`` (budgets kept)."""
        keep = set(names)
        return replace(self, functions=tuple(r for r in self.functions if r.name in keep))

    def _symbol_refs(self):
        yield from self.budgets.timing_symbols
        for field in ("base", "top"):
            value = getattr(self.isr_stack, field)
            if isinstance(value, str):
                yield f"isr_stack.{field}", value
        for rule in self.functions:
            for field, value in zip(("start", "end"), rule.region or ()):
                if isinstance(value, str):
                    yield f"functions.{rule.name}.region.{field}", value

    def bind(self, symbols: Mapping[str, int], *, functions: bool = True) -> Rules:
        """These rules with every symbol replaced by its address; BadInput if one is missing."""
        missing = self.missing_symbols(symbols, functions=functions)
        if missing:
            raise BadInput("\n".join(f"{self.path}: key '{key}': symbol '{name}' not found in "
                                     "the image" for key, name in missing))
        look = lambda v: symbols[v] if isinstance(v, str) else v  # noqa: E731
        stack = replace(self.isr_stack, base=look(self.isr_stack.base), top=look(self.isr_stack.top))
        funcs = tuple(replace(r, region=tuple(map(look, r.region)) if r.region else None)
                      for r in self.functions)
        return replace(self, functions=funcs, isr_stack=stack)




def load_rules(path: str | Path | None = None) -> Rules:
    """Parse the rules file at ``path`` (the shipped fwsandbox profile when None)."""
    from .parse import read_rules_text
    path = Path(path) if path is not None else DEFAULT_PATH
    return parse_rules(read_rules_text(path), str(path))


def parse_rules(text: str, filename: str = "rules.toml") -> Rules:
    """Parse rules from TOML ``text``; every error is reported, each naming ``filename``, the
    line and the key (one ``BadInput`` with one line per error)."""
    from .parse import Source, parse_sources
    return parse_sources([Source.from_text(text, filename)])
