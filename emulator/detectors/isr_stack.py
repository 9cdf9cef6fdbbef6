"""isr-stack-overflow: byte-exact writes below a watched stack's base, and high-water marks."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..events import Context, StackSample, StackWrite
from ..report.model import Finding, StackStats
from ..rules.model import Rules
from .base import Dispatching, FindingBook, Handlers, chain_text


@dataclass
class _Mark:
    """Running high-water state of one stack."""

    base: int
    top: int
    lowest: int
    chain: tuple[str, ...] = ()
    per_handler: dict[str, int] = field(default_factory=dict)

    def lower(self, address: int, context: Context) -> None:
        used = self.top - address
        name = context.name
        self.per_handler[name] = max(self.per_handler.get(name, 0), used)
        if address < self.lowest:
            self.lowest, self.chain = address, context.chain


class IsrStackDetector(Dispatching):
    """Consumes ``StackWrite`` (overflow) and ``StackSample`` (depth) events.

    ``findings()``: one ``isr-stack-overflow`` finding per (stack, instruction location) with a
    count, describing its first write (bytes over the base, bounds, SP, handler chain), plus
    one per stack whose high-water mark exceeds ``budgets.isr_stack_bytes``.
    ``stats()``: a ``StackStats`` per stack, sorted by name.
    """

    name = "isr-stack-overflow"

    def __init__(self, rules: Rules):
        self.budget = rules.budgets.isr_stack_bytes
        self.book = FindingBook()
        self.marks: dict[str, _Mark] = {}
        self.worst_over: dict[tuple[str, str], int] = {}

    def handlers(self) -> Handlers:
        return {StackWrite: self.on_stack_write, StackSample: self.on_stack_sample}

    def on_stack_sample(self, event: StackSample) -> None:
        self._mark(event.stack, event.base, event.top).lower(event.lowest, event.context)

    def _mark(self, stack: str, base: int, top: int) -> _Mark:
        if stack not in self.marks:
            self.marks[stack] = _Mark(base, top, top)
        return self.marks[stack]

    def on_stack_write(self, event: StackWrite) -> None:
        self._mark(event.stack, event.base, event.top).lower(event.address, event.context)
        key = (event.stack, event.location)
        over = event.base - event.address
        self.worst_over[key] = max(self.worst_over.get(key, 0), over)
        self.book.add(key, lambda: overflow_finding(event))

    def findings(self) -> tuple[Finding, ...]:
        found = [with_worst(f, self.worst_over) for f in self.book.findings()]
        found += [f for f in map(self._budget_finding, self.stats()) if f is not None]
        return tuple(sorted(found, key=lambda f: f.sort_key))

    def _budget_finding(self, stats: StackStats) -> Finding | None:
        if self.budget is None or stats.high_water <= self.budget:
            return None
        message = (f"{stats.name} stack high-water mark {stats.high_water} bytes exceeds the "
                   f"budget of {self.budget} bytes (deepest in {chain_text(stats.worst_chain)})")
        ctx = Context(handler=(stats.worst_chain or (None,))[-1], depth=len(stats.worst_chain),
                      chain=stats.worst_chain)
        return Finding(kind="isr-stack-overflow", message=message, pc=None, location="",
                       function=None, context=ctx, cycle=0,
                       details=(("budget", self.budget), ("high_water", stats.high_water),
                                ("stack", stats.name)))

    def stats(self) -> tuple[StackStats, ...]:
        return tuple(stack_stats(name, mark, self.budget) for name, mark in sorted(self.marks.items()))


def stack_stats(name: str, mark: _Mark, budget: int | None) -> StackStats:
    return StackStats(name=name, base=mark.base, top=mark.top,
                      limit=budget if budget is not None else mark.top - mark.base,
                      high_water=mark.top - mark.lowest, lowest=mark.lowest,
                      worst_chain=mark.chain, per_handler=tuple(sorted(mark.per_handler.items())))


def overflow_finding(event: StackWrite) -> Finding:
    ctx = event.context
    what = "exception frame push" if event.by_exception_frame else "write"
    over = event.base - event.address
    message = (f"{event.stack} stack overflow: {what} of {event.size} bytes at {event.address:#x} "
               f"is {over} bytes below the base {event.base:#x} (stack {event.base:#x}-"
               f"{event.top:#x}, sp {event.sp:#x}) at {event.location} in "
               f"{chain_text(ctx.chain)}")
    details = {"stack": event.stack, "base": event.base, "top": event.top, "sp": event.sp,
               "address": event.address, "size": event.size, "bytes_over": over,
               "by_exception_frame": int(event.by_exception_frame), "chain": chain_text(ctx.chain)}
    return Finding(kind="isr-stack-overflow", message=message, pc=event.pc,
                   location=event.location, function=ctx.handler, context=ctx, cycle=event.cycle,
                   details=tuple(sorted(details.items())))


def with_worst(finding: Finding, worst: dict[tuple[str, str], int]) -> Finding:
    """Add the largest overrun seen at the same location to a finding's details."""
    details = dict(finding.details)
    details["max_bytes_over"] = worst[(details["stack"], finding.location)]
    return replace(finding, details=tuple(sorted(details.items())))
