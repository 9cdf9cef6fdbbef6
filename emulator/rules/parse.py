"""The rules parser: merged TOML tables -> ``Rules``, collecting every error with its file, line and key."""
from __future__ import annotations

from typing import Any

from ..errors import BadInput
from .model import (CALL_KINDS, ISR_POLICIES, KINDS, Addr, ArgTest, Budgets,
                    CycleBudget, FlagTest, FunctionRule, Rules, StackRule)
from .merge import Merged, Source, merge, read_rules_text

TIMING_BUDGETS = ("isr_cycles", "masked_cycles", "latency_cycles")
__all__ = ["Source", "parse_sources", "parse_merged", "read_rules_text"]

_ALLOC_KEYS = {"kind", "size_arg", "block_size", "flags_arg", "flags", "free", "isr",
               "when_flag", "when_arg", "group", "reentrant", "region", "instance_arg", "waits",
               "inner"}
_FREE_KEYS = {"ptr_arg", "isr", "when_flag", "when_arg", "flags", "instance_arg"}


class _Invalid(Exception):
    def __init__(self, key: str, reason: str):
        super().__init__(key, reason)
        self.key, self.reason = key, reason


def parse_sources(sources: list[Source]) -> Rules:
    """Merge ``sources`` (later ones override) and parse the result."""
    return parse_merged(merge(sources))


def parse_merged(merged: Merged) -> Rules:
    parser = _Parser(merged)
    rules = parser.rules(merged.data)
    if parser.errors:
        raise BadInput("\n".join(parser.errors))
    return rules


class _Parser:
    """Turns the decoded TOML tables into rules; each table that fails adds one error per
    problem found in it and parsing goes on with the next."""

    def __init__(self, merged: Merged):
        self.merged = merged
        self.errors: list[str] = []

    def fail(self, key: str, reason: str):
        raise _Invalid(key, reason)

    def collect(self, action, default=None):
        try:
            return action()
        except _Invalid as exc:
            self.errors.append(f"{self.merged.where(exc.key)}: key '{exc.key}': {exc.reason}")
        except RecursionError:
            self.errors.append(f"{self.merged.where('')}: tables nested too deeply")
        return default

    def table(self, data: Any, key: str, allowed: set[str] | None = None) -> dict:
        if not isinstance(data, dict):
            self.fail(key, "expected a table")
        if allowed is not None:
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

    # --- the document -------------------------------------------------------------------------
    def rules(self, data: dict) -> Rules:
        for name in sorted(set(data) - {"isr_stack", "budgets", "functions"}):
            self.collect(lambda: self.fail(name, "unknown key"))
        functions = self.collect(lambda: self.table(data.get("functions", {}), "functions"), {})
        valid = {n: t for n, t in functions.items()
                 if self.collect(lambda: self.table(t, f"functions.{n}", _ALLOC_KEYS | _FREE_KEYS))
                 is not None}
        frees = self.free_names(valid)
        allocs = [r for r in (self.collect(lambda: self.alloc(n, valid[n])) for n in sorted(valid)
                              if n not in frees) if r is not None]
        rules = allocs + self.free_rules(valid, allocs)
        stack = self.collect(lambda: self.isr_stack(data.get("isr_stack", {})), StackRule())
        budgets = self.collect(lambda: self.budgets(data.get("budgets", {}),
                                                    {r.name for r in rules}), Budgets())
        return Rules(self.merged.last.path if self.merged.last else "rules",
                     tuple(sorted(rules, key=lambda r: r.name)), stack, budgets)

    def free_names(self, functions: dict) -> set[str]:
        names = set()
        for name in sorted(functions):
            if "free" in functions[name]:
                free = self.collect(lambda: self.string(functions[name]["free"], f"functions.{name}.free"))
                names.update([free] if free else [])
        return names

    def origin(self, key: str) -> str:
        source = self.merged.source_of(key)
        return source.path if source else ""

    # --- one function ---------------------------------------------------------------------------
    def flags(self, data: dict, key: str) -> tuple[tuple[str, int], ...]:
        table = self.table(data.get("flags", {}), f"{key}.flags")
        return tuple(sorted((n, self.integer(v, f"{key}.flags.{n}", 1)) for n, v in table.items()))

    def policy(self, data: dict, key: str, default: str) -> str:
        isr = self.string(data.get("isr", default), f"{key}.isr", ISR_POLICIES)
        for name, policy in (("when_flag", "when-flag"), ("when_arg", "when-arg")):
            if isr == policy and name not in data:
                self.fail(f"{key}.{name}", f"required with isr = \"{policy}\"")
            if isr != policy and name in data:
                self.fail(f"{key}.{name}", f"only allowed with isr = \"{policy}\"")
        return isr

    def when_flag(self, data: dict, key: str, flags) -> FlagTest | None:
        if "when_flag" not in data:
            return None
        key = f"{key}.when_flag"
        test = self.table(data["when_flag"], key, {"arg", "mask"})
        if "arg" not in test or "mask" not in test:
            self.fail(key, "expected a table with arg and mask")
        arg = self.integer(test["arg"], f"{key}.arg")
        return FlagTest(arg, *self.mask(test["mask"], f"{key}.mask", dict(flags)))

    def when_arg(self, data: dict, key: str) -> ArgTest | None:
        if "when_arg" not in data:
            return None
        key = f"{key}.when_arg"
        test = self.table(data["when_arg"], key, {"arg", "equals"})
        if "arg" not in test or "equals" not in test:
            self.fail(key, "expected a table with arg and equals")
        args = test["arg"] if isinstance(test["arg"], list) else [test["arg"]]
        if not args:
            self.fail(f"{key}.arg", "expected an argument index or a list of them")
        indexes = tuple(self.integer(a, f"{key}.arg") for a in args)
        return ArgTest(indexes, self.integer(test["equals"], f"{key}.equals"))

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
        kind = self.string(data.get("kind", "other"), f"{key}.kind", KINDS)
        if kind in CALL_KINDS and "free" in data:
            self.fail(f"{key}.free", f"not allowed with kind = \"{kind}\" (not an allocator)")
        flags = self.flags(data, key)
        return FunctionRule(
            name=name, role="call" if kind in CALL_KINDS else "alloc", kind=kind,
            isr=self.policy(data, key, "always" if kind == "call" else "never"),
            group=self.string(data.get("group", name), f"{key}.group"),
            reentrant=self.boolean(data.get("reentrant", kind in CALL_KINDS), f"{key}.reentrant"),
            waits=self.boolean(data.get("waits", False), f"{key}.waits"),
            inner=self.boolean(data.get("inner", False), f"{key}.inner"),
            size_arg=self.optional(data, "size_arg", key, self.integer),
            block_size=self.optional(data, "block_size", key, lambda v, k: self.integer(v, k, 1)),
            flags_arg=self.optional(data, "flags_arg", key, self.integer),
            instance_arg=self.optional(data, "instance_arg", key, self.integer),
            free=data.get("free"), when_flag=self.when_flag(data, key, flags),
            when_arg=self.when_arg(data, key), flags=flags, region=self.region(data, key),
            origin=self.origin(key))

    def free_rules(self, functions: dict, allocs: list[FunctionRule]) -> list[FunctionRule]:
        owners: dict[str, list[FunctionRule]] = {}
        for rule in allocs:
            if rule.free:
                owners.setdefault(rule.free, []).append(rule)
        found = (self.collect(lambda: self.free(n, functions.get(n, {}), owners[n])) for n in sorted(owners))
        return [rule for rule in found if rule is not None]

    def free(self, name: str, data: dict, owners: list[FunctionRule]) -> FunctionRule:
        key, first = f"functions.{name}", owners[0]
        for extra in sorted(set(data) - _FREE_KEYS):
            self.fail(f"{key}.{extra}", "not allowed for a free function (set it on its allocator)")
        flags = self.flags(data, key)
        return FunctionRule(
            name=name, role="free", kind=first.kind,
            isr=self.policy(data, key, "never" if first.isr == "never" else "always"),
            group=first.group, reentrant=first.reentrant, inner=first.inner,
            ptr_arg=self.integer(data.get("ptr_arg", 0), f"{key}.ptr_arg"),
            instance_arg=self.optional(data, "instance_arg", key, self.integer)
            if "instance_arg" in data else first.instance_arg,
            allocs=tuple(r.name for r in owners), when_flag=self.when_flag(data, key, flags),
            when_arg=self.when_arg(data, key), flags=flags, region=first.region,
            origin=self.origin(key) if data else first.origin)

    # --- stack and budgets ------------------------------------------------------------------------
    def isr_stack(self, data: Any) -> StackRule:
        table = self.table(data, "isr_stack", {"name", "base", "top"})
        return StackRule(
            name=self.string(table.get("name", "isr"), "isr_stack.name"),
            base=self.optional(table, "base", "isr_stack", self.address),
            top=self.optional(table, "top", "isr_stack", self.address))

    def budgets(self, data: Any, names: set[str]) -> Budgets:
        table = self.table(data, "budgets", {"isr_stack_bytes", "cycles", *TIMING_BUDGETS})
        cycles = self.table(table.get("cycles", {}), "budgets.cycles", names)
        return Budgets(
            isr_stack_bytes=self.optional(table, "isr_stack_bytes", "budgets", self.integer),
            cycles=tuple((name, self.cycle_budget(cycles[name], f"budgets.cycles.{name}"))
                         for name in sorted(cycles)),
            **{field: self.limits(table[field], f"budgets.{field}")
               for field in TIMING_BUDGETS if field in table})

    def limits(self, value: Any, key: str) -> tuple[tuple[str, int], ...]:
        """``N`` (every one) or ``{default = N, name = M, ...}``: cycles, at least 1."""
        if not isinstance(value, dict):
            return (("default", self.integer(value, key, 1)),)
        return tuple((name, self.integer(value[name], f"{key}.{name}", 1)) for name in sorted(value))

    def cycle_budget(self, data: Any, key: str) -> CycleBudget:
        table = self.table(data, key, {"max", "p99"})
        return CycleBudget(max=self.optional(table, "max", key, self.integer),
                           p99=self.optional(table, "p99", key, self.integer))
