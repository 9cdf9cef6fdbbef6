"""alloc-cycles: inclusive and exclusive cycles of every watched call, with per-context stats."""
from __future__ import annotations

import math
from collections import defaultdict
from operator import attrgetter
from typing import Sequence

from ..events import (CallAbandoned, CallEntered, CallReturned, Context, InterruptEntered,
                      InterruptExited)
from ..report.model import AllocCall, AllocStats, Finding
from ..rules.model import Rules
from .base import Dispatching, Handlers, LazySequence
from .threads import StackName, Threads, is_thread_context

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
    continues the same span).  Time in other threads is left out the same way: a thread-mode
    call's thread is switched out from the start of the interrupt whose return ran another
    thread until a return to thread code resumes it (``Threads``); interrupts taken meanwhile
    and calls the other threads make are theirs.  Calls that never return (or are abandoned) are not counted.
    Inclusive cycles are the wall time, other threads and interrupts included.
    ``stats()``: ``AllocStats`` per (function, context name) over exclusive cycles, sorted; with
    more than one thread, thread code is named by its stack (``thread@<object>``, the object
    ``stack_name(address)`` names, else the thread's first SP in hex), otherwise ``thread``;
    ``calls()``: every completed call in completion order (its ``AllocCall`` records, with the
    arguments formatted, are made when first read: reports mostly need the statistics only);
    ``findings()``: one ``alloc-cycles`` finding per budget (max or p99) exceeded.
    """

    name = "alloc-cycles"

    def __init__(self, rules: Rules, stack_name: StackName | None = None):
        self.rules = rules
        self.stack_name = stack_name
        self.rule_of = rules.by_name.get        # function name -> its rule, or None
        self.open: dict[int, CallEntered] = {}
        self.preempted: dict[int, int] = {}     # open call id -> cycles in interrupts preempting it
        self.irq_start: dict[int, int] = {}     # depth of the interrupt -> entry cycle
        self.done: list[Done] = []              # completed calls, in completion order
        self.threads = Threads()
        self.owner: dict[int, int] = {}         # open thread-mode call id -> thread, if not 0
        self.done_owner: dict[int, int] = {}    # index in done -> thread, if not 0
        self.args_text: dict[tuple[str, tuple[int, ...]], str] = {}
        self._stats: tuple[int, tuple[AllocStats, ...]] = (0, ())   # (len(done), stats)

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_call_entered, CallReturned: self.on_call_returned,
                CallAbandoned: self.on_call_abandoned,
                InterruptEntered: self.on_interrupt_entered, InterruptExited: self.on_interrupt_exited}

    def on_call_entered(self, event: CallEntered) -> None:
        if self.rule_of(event.function):
            self.open[event.call_id] = event
            if self.preempted:
                self.preempted.pop(event.call_id, None)     # a reused id starts again
            if self.owner:
                self.owner.pop(event.call_id, None)
            if self.threads.running and not event.context.depth:
                self.owner[event.call_id] = self.threads.running

    def on_call_returned(self, event: CallReturned) -> None:
        entered = self.open.pop(event.call_id, None)
        if entered is not None:
            inclusive = event.cycle - entered.cycle
            preempted = self.preempted.pop(event.call_id, 0) if self.preempted else 0
            owner = self.owner.pop(event.call_id, 0) if self.owner else 0
            if owner:
                self.done_owner[len(self.done)] = owner
            self.done.append((entered, inclusive, inclusive - preempted))

    def on_call_abandoned(self, event: CallAbandoned) -> None:
        """A call that will never return is forgotten (no interrupt time is kept for it)."""
        if self.open.pop(event.call_id, None) is not None:
            self.preempted.pop(event.call_id, None)
            self.owner.pop(event.call_id, None)

    def on_interrupt_entered(self, event: InterruptEntered) -> None:
        depth = event.context.depth
        self.irq_start.setdefault(depth, event.cycle - event.entry_cycles)
        if depth == 1 and not event.tail_chained:
            self.threads.entered(event.preempted_sp)

    def on_interrupt_exited(self, event: InterruptExited) -> None:
        if event.tail_chained_to is None:
            depth = event.context.depth
            if not depth and event.sp is not None and self.threads.switches(event.sp):
                self._switch(event.sp, event.cycle)
            else:
                self._interrupt_done(depth, event.cycle)

    def _interrupt_done(self, depth: int, cycle: int) -> None:
        start = self.irq_start.pop(depth + 1, None)
        if start is None:
            return
        running, owner = self.threads.running, self.owner
        for call_id, call in self.open.items():
            if call.context.depth == depth and (depth or owner.get(call_id, 0) == running):
                self.preempted[call_id] = self.preempted.get(call_id, 0) + cycle - start

    def _switch(self, sp: int, cycle: int) -> None:
        """A return to thread code on another stack: the running thread stopped when the
        interrupt began; the thread resumed gets the time it was stopped for left out."""
        stopped = self.irq_start.pop(1, cycle)
        thread, since = self.threads.switch(sp, stopped)
        if since is None:
            return
        owner = self.owner
        for call_id, call in self.open.items():
            if not call.context.depth and owner.get(call_id, 0) == thread:
                self.preempted[call_id] = self.preempted.get(call_id, 0) + cycle - since

    def _record(self, index: int, name_of) -> AllocCall:
        entered, inclusive, exclusive = self.done[index]
        return AllocCall(
            function=entered.function, context=name_of(index, entered),
            cycle=entered.cycle,
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
        name_of = self._context_names()
        return LazySequence(tuple(range(len(self.done))), lambda index: self._record(index, name_of))

    def stats(self) -> tuple[AllocStats, ...]:
        """Statistics of the calls completed so far (computed again only after new ones)."""
        if self._stats[0] != len(self.done):
            self._stats = (len(self.done), self._summarise_groups())
        return self._stats[1]

    def _summarise_groups(self) -> tuple[AllocStats, ...]:
        groups: dict[tuple[str, str], list[Done]] = defaultdict(list)
        name_of = self._context_names()
        for index, done in enumerate(self.done):
            entered = done[0]
            groups[entered.function, name_of(index, entered)].append(done)
        return tuple(summarise(fn, ctx, calls) for (fn, ctx), calls in sorted(groups.items()))

    def _context_names(self):
        """(index in done, its CallEntered) -> the context name its statistics group has."""
        if not self.threads.several:
            return lambda index, entered: entered.context.name
        names, owner = self.threads.names(self.stack_name), self.done_owner

        def name_of(index: int, entered: CallEntered) -> str:
            if entered.context.depth:
                return entered.context.name
            return names[owner.get(index, 0)]
        return name_of

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
    inclusive = sorted(cycles for _, cycles, _ in calls)
    total = sum(values)
    return AllocStats(
        function=function, context=context, calls=len(values), min=values[0],
        p50=nearest_rank(values, 50), mean=total / len(values), p99=nearest_rank(values, 99),
        max=values[-1], total=total, max_at=slowest.call_site, max_cycle=slowest.cycle,
        inclusive_max=inclusive[-1], inclusive_total=sum(inclusive),
        inclusive_p50=nearest_rank(inclusive, 50), inclusive_p99=nearest_rank(inclusive, 99))


def budget_finding(stats: AllocStats, label: str, value: int, limit: int) -> Finding:
    message = (f"{stats.function} in {stats.context}: {label} {value} cycles exceeds the budget "
               f"of {limit} cycles (slowest call at {stats.max_at}, cycle {stats.max_cycle})")
    return Finding(kind="alloc-cycles", message=message, pc=None, location=stats.max_at,
                   function=stats.function, context=stats_context(stats),
                   cycle=stats.max_cycle,
                   details=(("budget", limit), ("metric", label), ("value", value)))


def stats_context(stats: AllocStats) -> Context:
    """The context a statistics group names (its depth is at least 1 for a handler)."""
    if is_thread_context(stats.context):
        return Context()
    return Context(handler=stats.context, depth=1, chain=(stats.context,))
