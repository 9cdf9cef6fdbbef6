"""alloc-cycles: inclusive and exclusive cycles of every watched call, with per-context stats."""
from __future__ import annotations

import math
from collections import defaultdict
from operator import attrgetter
from typing import Sequence

from ..events import CallEntered, CallReturned, Context, InterruptEntered, InterruptExited
from ..report.model import AllocCall, AllocStats, Finding
from ..rules import Rules
from .base import Dispatching, Handlers, LazySequence

Done = tuple[CallEntered, int, int]             # a completed call: (entry, inclusive, exclusive)


def nearest_rank(sorted_values: list[int], percent: float) -> int:
    """The nearest-rank percentile: the value at 1-based rank ceil(p/100 * n)."""
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class AllocCyclesDetector(Dispatching):
    """Times every watched call from ``CallEntered`` to its ``CallReturned``.

    Inclusive cycles are return minus entry; exclusive cycles subtract the time spent in
    interrupts that preempted the call: for a call made at depth d, each interrupt entered at
    depth d+1 while it was open, from the start of its entry (``InterruptEntered.cycle`` minus
    ``entry_cycles``) to the ``InterruptExited`` (stamped after the exit) that
    returns to depth d (nested interrupts are inside that span; a tail-chained exit/entry pair
    continues the same span).  Calls that never return are not counted.
    ``stats()``: ``AllocStats`` per (function, context name) over exclusive cycles, sorted;
    ``calls()``: every completed call in completion order (its ``AllocCall`` records, with the
    arguments formatted, are made when first read: reports mostly need the statistics only);
    ``findings()``: one ``alloc-cycles`` finding per budget (max or p99) exceeded.
    """

    name = "alloc-cycles"

    def __init__(self, rules: Rules):
        self.rules = rules
        self.rule_of = rules.by_name.get        # function name -> its rule, or None
        self.open: dict[int, CallEntered] = {}
        self.preempted: dict[int, int] = {}     # open call id -> cycles in interrupts preempting it
        self.irq_start: dict[int, int] = {}     # depth of the interrupt -> entry cycle
        self.done: list[Done] = []              # completed calls, in completion order
        self.args_text: dict[tuple[str, tuple[int, ...]], str] = {}
        self._stats: tuple[int, tuple[AllocStats, ...]] = (0, ())   # (len(done), stats)

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_call_entered, CallReturned: self.on_call_returned,
                InterruptEntered: self.on_interrupt_entered, InterruptExited: self.on_interrupt_exited}

    def on_call_entered(self, event: CallEntered) -> None:
        if self.rule_of(event.function):
            self.open[event.call_id] = event
            if self.preempted:
                self.preempted.pop(event.call_id, None)     # a reused id starts again

    def on_call_returned(self, event: CallReturned) -> None:
        entered = self.open.pop(event.call_id, None)
        if entered is not None:
            inclusive = event.cycle - entered.cycle
            preempted = self.preempted.pop(event.call_id, 0) if self.preempted else 0
            self.done.append((entered, inclusive, inclusive - preempted))

    def on_interrupt_entered(self, event: InterruptEntered) -> None:
        self.irq_start.setdefault(event.context.depth, event.cycle - event.entry_cycles)

    def on_interrupt_exited(self, event: InterruptExited) -> None:
        if event.tail_chained_to is None:
            self._interrupt_done(event.context.depth, event.cycle)

    def _interrupt_done(self, depth: int, cycle: int) -> None:
        start = self.irq_start.pop(depth + 1, None)
        if start is None:
            return
        for call_id, call in self.open.items():
            if call.context.depth == depth:
                self.preempted[call_id] = self.preempted.get(call_id, 0) + cycle - start

    def _record(self, done: Done) -> AllocCall:
        entered, inclusive, exclusive = done
        return AllocCall(
            function=entered.function, context=entered.context.name, cycle=entered.cycle,
            call_site=entered.call_site, args=self._args(entered),
            inclusive=inclusive, exclusive=exclusive)

    def _args(self, entered: CallEntered) -> str:
        """The rule's rendering of a call's arguments, made once per (function, args)."""
        key = (entered.function, entered.args)
        text = self.args_text.get(key)
        if text is None:
            rule = self.rule_of(entered.function)
            text = self.args_text[key] = rule.format_args(entered.args) if rule else ""
        return text

    def calls(self) -> Sequence[AllocCall]:
        return LazySequence(tuple(self.done), self._record)

    def stats(self) -> tuple[AllocStats, ...]:
        """Statistics of the calls completed so far (computed again only after new ones)."""
        if self._stats[0] != len(self.done):
            self._stats = (len(self.done), self._summarise_groups())
        return self._stats[1]

    def _summarise_groups(self) -> tuple[AllocStats, ...]:
        groups: dict[tuple[str, str], list[Done]] = defaultdict(list)
        for done in self.done:
            entered = done[0]
            groups[entered.function, entered.context.name].append(done)
        return tuple(summarise(fn, ctx, calls) for (fn, ctx), calls in sorted(groups.items()))

    def findings(self) -> tuple[Finding, ...]:
        found = [f for stats in self.stats() for f in self._over_budget(stats)]
        return tuple(sorted(found, key=lambda f: f.sort_key))

    def _over_budget(self, stats: AllocStats):
        budget = self.rules.budgets.cycles_for(stats.function)
        if budget is None:
            return
        for label, value, limit in (("max", stats.max, budget.max), ("p99", stats.p99, budget.p99)):
            if limit is not None and value > limit:
                yield budget_finding(stats, label, value, limit)


def summarise(function: str, context: str, calls: list[Done]) -> AllocStats:
    """Statistics of completed ``calls``; the slowest is the earliest of the largest exclusive."""
    values = sorted(exclusive for _, _, exclusive in calls)
    slowest = min((entered for entered, _, exclusive in calls if exclusive == values[-1]),
                  key=attrgetter("cycle"))
    inclusive = [cycles for _, cycles, _ in calls]
    total = sum(values)
    return AllocStats(
        function=function, context=context, calls=len(values), min=values[0],
        p50=nearest_rank(values, 50), mean=total / len(values), p99=nearest_rank(values, 99),
        max=values[-1], total=total, max_at=slowest.call_site, max_cycle=slowest.cycle,
        inclusive_max=max(inclusive), inclusive_total=sum(inclusive))


def budget_finding(stats: AllocStats, label: str, value: int, limit: int) -> Finding:
    message = (f"{stats.function} in {stats.context}: {label} {value} cycles exceeds the budget "
               f"of {limit} cycles (slowest call at {stats.max_at}, cycle {stats.max_cycle})")
    return Finding(kind="alloc-cycles", message=message, pc=None, location=stats.max_at,
                   function=stats.function, context=stats_context(stats),
                   cycle=stats.max_cycle,
                   details=(("budget", limit), ("metric", label), ("value", value)))


def stats_context(stats: AllocStats) -> Context:
    """The context a statistics group names (its depth is at least 1 for a handler)."""
    if stats.context == "thread":
        return Context()
    return Context(handler=stats.context, depth=1, chain=(stats.context,))
