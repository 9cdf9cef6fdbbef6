"""ISR-safety rules: a TOML file parsed with ``tomllib`` into frozen dataclasses.

Format (every key is checked; an unknown key or a bad value is a ``BadInput`` naming the file
and the key, e.g. ``rules.toml: key 'functions.page_alloc.isr': expected one of always, never,
when-flag``)::

    [isr_stack]                 # optional; these are the defaults
    name = "isr"
    base = "__isr_stack_base"   # lowest address: a symbol name or an integer address
    top = "__isr_stack_top"     # highest address (initial SP)

    [budgets]                   # optional
    isr_stack_bytes = 1024      # maximum interrupt-stack use
    [budgets.cycles.pool_alloc] # per watched function, exclusive cycles
    max = 200
    p99 = 150

    [functions.page_alloc]      # one table per allocation function, by symbol name
    kind = "page"               # pool | page | heap | other
    size_arg = 0                # optional: which argument (from 0) is the size in bytes
    block_size = 4096           # optional: fixed block size when there is no size argument
    flags_arg = 0               # optional: which argument holds flags
    flags = { PAGE_ATOMIC = 1, PAGE_ZERO = 2 }   # flag names, for decoding and `when_flag`
    free = "page_free"          # optional: the matching free function
    isr = "when-flag"           # always | never | when-flag
    when_flag = { arg = 0, mask = "PAGE_ATOMIC" }  # required with when-flag; mask: name or int
    group = "page"              # allocators sharing one pool/free list (default: own name)
    instance_arg = 0            # optional: argument naming the pool instance; calls in one
                                # group with different instance values share no state
    reentrant = true            # safe when an interrupt enters the same group while inside it
    waits = true                # the calls it forbids in interrupts may block: also invalid
                                # with interrupts masked in thread code (default false)
    region = { start = "__page_start", end = "__page_end" }  # optional: where blocks live

    [functions.page_free]       # optional: overrides for a free function named by `free`
    ptr_arg = 0                 # which argument is the pointer (default 0)
    instance_arg = 0            # default: its allocator's instance_arg
    isr = "always"              # default: never if its allocator is never, else always

A free function inherits kind, group, reentrant and region from its allocator.  Symbols are
checked against an image with ``Rules.bind(symbols)``, which keeps this module engine-free.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from .errors import BadInput

Addr = int | str
DEFAULT_PATH = Path(__file__).parent / "rules" / "default.toml"
KINDS = ("pool", "page", "heap", "other")
ISR_POLICIES = ("always", "never", "when-flag")
_ALLOC_KEYS = {"kind", "size_arg", "block_size", "flags_arg", "flags", "free", "isr",
               "when_flag", "group", "reentrant", "region", "instance_arg", "waits"}
_FREE_KEYS = {"ptr_arg", "isr", "when_flag", "flags", "instance_arg"}


@dataclass(frozen=True)
class FlagTest:
    """Argument ``arg`` must have every bit of ``mask`` set."""

    arg: int
    mask: int
    name: str


@dataclass(frozen=True)
class FunctionRule:
    """One watched function: an allocator (role 'alloc') or its free function (role 'free')."""

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

    def allowed_in_interrupt(self, args: tuple[int, ...]) -> bool:
        """Whether a call with ``args`` is allowed in interrupt context."""
        if self.isr == "when-flag" and self.when_flag is not None:
            test = self.when_flag
            value = args[test.arg] if test.arg < len(args) else 0
            return value & test.mask == test.mask
        return self.isr == "always"

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
    """The interrupt stack: [base, top), growing down from ``top``."""

    name: str = "isr"
    base: Addr = "__isr_stack_base"
    top: Addr = "__isr_stack_top"


@dataclass(frozen=True)
class CycleBudget:
    """Exclusive-cycle limits for one function (None: no limit)."""

    max: int | None = None
    p99: int | None = None


@dataclass(frozen=True)
class Budgets:
    isr_stack_bytes: int | None = None
    cycles: tuple[tuple[str, CycleBudget], ...] = ()

    def cycles_for(self, function: str) -> CycleBudget | None:
        return dict(self.cycles).get(function)


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

    def _symbol_refs(self):
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
            key, name = missing[0]
            raise BadInput(f"{self.path}: key '{key}': symbol '{name}' not found in the image")
        look = lambda v: symbols[v] if isinstance(v, str) else v  # noqa: E731
        stack = replace(self.isr_stack, base=look(self.isr_stack.base), top=look(self.isr_stack.top))
        funcs = tuple(replace(r, region=tuple(map(look, r.region)) if r.region else None)
                      for r in self.functions)
        return replace(self, functions=funcs, isr_stack=stack)


def load_rules(path: str | Path | None = None) -> Rules:
    """Parse the rules file at ``path`` (the shipped default when None)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read rules file: {exc.strerror}") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, filename: str = "rules.toml") -> Rules:
    """Parse rules from TOML ``text``; errors name ``filename``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{filename}: malformed TOML: {exc}") from None
    return _Parser(filename).rules(data)


class _Parser:
    """Turns the decoded TOML tables into rules, naming the key of any error."""

    def __init__(self, filename: str):
        self.filename = filename

    def fail(self, key: str, reason: str):
        raise BadInput(f"{self.filename}: key '{key}': {reason}")

    def table(self, data: Any, key: str, allowed: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(key, "expected a table")
        for name in sorted(set(data) - allowed):
            self.fail(f"{key}.{name}" if key else name, "unknown key")
        return data

    def integer(self, value: Any, key: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(key, f"expected an integer >= {minimum}")
        return value

    def string(self, value: Any, key: str, choices: tuple[str, ...] = ()) -> str:
        if not isinstance(value, str) or not value or (choices and value not in choices):
            self.fail(key, f"expected one of {', '.join(choices)}" if choices else "expected a name")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return value

    def address(self, value: Any, key: str) -> Addr:
        if isinstance(value, str):
            return self.string(value, key)
        return self.integer(value, key)

    def optional(self, data: dict, name: str, key: str, convert):
        return convert(data[name], f"{key}.{name}") if name in data else None

    def rules(self, data: dict) -> Rules:
        self.table(data, "", {"isr_stack", "budgets", "functions"})
        functions = self.table(data.get("functions", {}), "functions", set(data.get("functions", {})))
        frees = self.free_names(functions)
        allocs = [self.alloc(name, functions[name]) for name in sorted(functions) if name not in frees]
        rules = allocs + self.free_rules(functions, allocs)
        stack = self.isr_stack(data.get("isr_stack", {}))
        budgets = self.budgets(data.get("budgets", {}), {r.name for r in rules})
        return Rules(self.filename, tuple(sorted(rules, key=lambda r: r.name)), stack, budgets)

    def free_names(self, functions: dict) -> set[str]:
        names = set()
        for name in sorted(functions):
            entry = self.table(functions[name], f"functions.{name}", _ALLOC_KEYS | _FREE_KEYS)
            if "free" in entry:
                names.add(self.string(entry["free"], f"functions.{name}.free"))
        return names

    def flags(self, data: dict, key: str) -> tuple[tuple[str, int], ...]:
        table = self.table(data.get("flags", {}), f"{key}.flags", set(data.get("flags", {})))
        return tuple(sorted((n, self.integer(v, f"{key}.flags.{n}", 1)) for n, v in table.items()))

    def when_flag(self, data: dict, key: str, flags) -> FlagTest | None:
        if data.get("isr") != "when-flag":
            if "when_flag" in data:
                self.fail(f"{key}.when_flag", "only allowed with isr = \"when-flag\"")
            return None
        if "when_flag" not in data:
            self.fail(f"{key}.when_flag", "required with isr = \"when-flag\"")
        key = f"{key}.when_flag"
        test = self.table(data["when_flag"], key, {"arg", "mask"})
        if "arg" not in test or "mask" not in test:
            self.fail(key, "expected a table with arg and mask")
        arg = self.integer(test["arg"], f"{key}.arg")
        return FlagTest(arg, *self.mask(test["mask"], f"{key}.mask", dict(flags)))

    def mask(self, value: Any, key: str, flags: dict[str, int]) -> tuple[int, str]:
        if isinstance(value, str):
            if value not in flags:
                self.fail(key, f"flag '{value}' is not defined in flags")
            return flags[value], value
        mask = self.integer(value, key, 1)
        return mask, f"{mask:#x}"

    def region(self, data: dict, key: str) -> tuple[Addr, Addr] | None:
        if "region" not in data:
            return None
        table = self.table(data["region"], f"{key}.region", {"start", "end"})
        if "start" not in table or "end" not in table:
            self.fail(f"{key}.region", "expected a table with start and end")
        return self.address(table["start"], f"{key}.region.start"), \
            self.address(table["end"], f"{key}.region.end")

    def alloc(self, name: str, data: dict) -> FunctionRule:
        key = f"functions.{name}"
        for extra in sorted(set(data) - _ALLOC_KEYS):
            self.fail(f"{key}.{extra}", "only allowed for a free function")
        flags = self.flags(data, key)
        return FunctionRule(
            name=name, role="alloc",
            kind=self.string(data.get("kind", "other"), f"{key}.kind", KINDS),
            isr=self.string(data.get("isr"), f"{key}.isr", ISR_POLICIES),
            group=self.string(data.get("group", name), f"{key}.group"),
            reentrant=self.boolean(data.get("reentrant", False), f"{key}.reentrant"),
            waits=self.boolean(data.get("waits", False), f"{key}.waits"),
            size_arg=self.optional(data, "size_arg", key, self.integer),
            block_size=self.optional(data, "block_size", key, lambda v, k: self.integer(v, k, 1)),
            flags_arg=self.optional(data, "flags_arg", key, self.integer),
            instance_arg=self.optional(data, "instance_arg", key, self.integer),
            free=data.get("free"), when_flag=self.when_flag(data, key, flags),
            flags=flags, region=self.region(data, key))

    def free_rules(self, functions: dict, allocs: list[FunctionRule]) -> list[FunctionRule]:
        owners: dict[str, list[FunctionRule]] = {}
        for rule in allocs:
            if rule.free:
                owners.setdefault(rule.free, []).append(rule)
        return [self.free(name, functions.get(name, {}), owners[name]) for name in sorted(owners)]

    def free(self, name: str, data: dict, owners: list[FunctionRule]) -> FunctionRule:
        key, first = f"functions.{name}", owners[0]
        for extra in sorted(set(data) - _FREE_KEYS):
            self.fail(f"{key}.{extra}", "not allowed for a free function (set it on its allocator)")
        default_isr = "never" if first.isr == "never" else "always"
        flags = self.flags(data, key)
        return FunctionRule(
            name=name, role="free", kind=first.kind,
            isr=self.string(data.get("isr", default_isr), f"{key}.isr", ISR_POLICIES),
            group=first.group, reentrant=first.reentrant,
            ptr_arg=self.integer(data.get("ptr_arg", 0), f"{key}.ptr_arg"),
            instance_arg=self.optional(data, "instance_arg", key, self.integer)
            if "instance_arg" in data else first.instance_arg,
            allocs=tuple(r.name for r in owners), when_flag=self.when_flag(data, key, flags),
            flags=flags, region=first.region)

    def isr_stack(self, data: Any) -> StackRule:
        table = self.table(data, "isr_stack", {"name", "base", "top"})
        default = StackRule()
        return StackRule(
            name=self.string(table.get("name", default.name), "isr_stack.name"),
            base=self.address(table.get("base", default.base), "isr_stack.base"),
            top=self.address(table.get("top", default.top), "isr_stack.top"))

    def budgets(self, data: Any, names: set[str]) -> Budgets:
        table = self.table(data, "budgets", {"isr_stack_bytes", "cycles"})
        cycles = self.table(table.get("cycles", {}), "budgets.cycles", names)
        return Budgets(
            isr_stack_bytes=self.optional(table, "isr_stack_bytes", "budgets", self.integer),
            cycles=tuple((name, self.cycle_budget(cycles[name], f"budgets.cycles.{name}"))
                         for name in sorted(cycles)))

    def cycle_budget(self, data: Any, key: str) -> CycleBudget:
        table = self.table(data, key, {"max", "p99"})
        return CycleBudget(max=self.optional(table, "max", key, self.integer),
                           p99=self.optional(table, "p99", key, self.integer))
