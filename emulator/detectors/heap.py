"""heap-integrity: live blocks per allocator group; overlaps, double and invalid frees, leaks."""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from ..events import CallEntered, CallReturned
from ..report.model import Finding, HeapStats
from ..rules.model import FunctionRule, Rules
from .base import Dispatching, FindingBook, Handlers, call_pc


@dataclass
class _Heap:
    """Live blocks of one allocator group, keyed by start address (``starts`` kept sorted)."""

    live: dict[int, tuple[int, CallEntered]] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)
    freed: set[int] = field(default_factory=set)
    allocs: int = 0
    frees: int = 0
    peak: int = 0
    low: float = math.inf                   # bounds of every block ever added: no live block
    high: float = -math.inf                 # lies outside them

    def add(self, start: int, end: int, call: CallEntered) -> None:
        if start not in self.live:
            bisect.insort(self.starts, start)
        self.live[start] = (end, call)
        self.freed.discard(start)
        self.allocs += 1
        if len(self.live) > self.peak:
            self.peak = len(self.live)
        if start < self.low:
            self.low = start
        if end > self.high:
            self.high = end

    def remove(self, start: int) -> None:
        del self.live[start]
        self.starts.pop(bisect.bisect_left(self.starts, start))
        self.freed.add(start)
        self.frees += 1

    def containing(self, start: int, end: int) -> int | None:
        """Start of a live block overlapping [start, end), if any."""
        index = bisect.bisect_left(self.starts, end)
        if index and self.live[self.starts[index - 1]][0] > start:
            return self.starts[index - 1]
        return None


class _Heaps(dict):
    """Heaps by allocator group, in name order; a group's heap is made on first use."""

    def __missing__(self, group: str) -> _Heap:
        groups = sorted([*self.items(), (group, _Heap())], key=lambda item: item[0])
        self.clear()
        self.update(groups)
        return self[group]


class HeapIntegrityDetector(Dispatching):
    """Tracks blocks from allocation returns (non-zero value) and free calls (on entry).

    Findings (kind ``heap-integrity``, one per (problem, function, call site, handler) with a
    count): a returned block overlapping a live block of any group, a block outside its
    allocator's bound ``region``, a double free, a free of a pointer never returned (or freed
    through another group's free function).  Freeing 0 is ignored.  ``stats()``: one
    ``HeapStats`` per group, whose live blocks at the end are the leak summary.
    """

    name = "heap-integrity"

    def __init__(self, rules: Rules):
        self.rules = rules
        self.rule_of = rules.by_name.get        # function name -> its rule, or None
        self.heaps = _Heaps()
        self.pending: dict[int, CallEntered] = {}
        self.book = FindingBook()

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_call_entered, CallReturned: self.on_call_returned}

    def on_call_entered(self, event: CallEntered) -> None:
        rule = self.rule_of(event.function)
        if rule is None:
            return
        if rule.role == "alloc":
            self.pending[event.call_id] = event
            self.heaps[rule.group]              # the group exists from its first call
        elif rule.ptr_arg is not None and rule.ptr_arg < len(event.args):
            self._freed(event, event.args[rule.ptr_arg], rule)

    def on_call_returned(self, event: CallReturned) -> None:
        if event.call_id not in self.pending:
            return
        rule = self.rule_of(event.function)
        if rule is not None:
            self._allocated(self.pending.pop(event.call_id), event.value, rule)

    def _allocated(self, call: CallEntered, value: int, rule: FunctionRule) -> None:
        if value == 0:
            return
        end = value + rule.block_bytes(call.args)
        if rule.region:
            self._check_region(call, value, end, rule)
        for group, heap in self.heaps.items():
            if heap.low < end and value < heap.high:    # else no live block of it can overlap
                other = heap.containing(value, end)
                if other is not None:
                    self._report("overlap", call, value, overlap_text(value, end, group, heap, other))
        self.heaps[rule.group].add(value, end, call)

    def _check_region(self, call: CallEntered, start: int, end: int, rule: FunctionRule) -> None:
        region = rule.region
        if all(isinstance(a, int) for a in region):
            if start < region[0] or end > region[1]:
                self._report("outside-region", call, start,
                             f"block {start:#x}-{end:#x} is outside the {rule.group} region "
                             f"{region[0]:#x}-{region[1]:#x}")

    def _freed(self, event: CallEntered, ptr: int, rule: FunctionRule) -> None:
        heap = self.heaps[rule.group]
        if ptr == 0:
            return
        if ptr in heap.live:
            heap.remove(ptr)
        elif ptr in heap.freed:
            self._report("double-free", event, ptr, f"double free of {ptr:#x}")
        else:
            self._report("invalid-free", event, ptr, self._never_returned(ptr, rule.group))

    def _never_returned(self, ptr: int, group: str) -> str:
        for name, heap in self.heaps.items():
            if name != group and ptr in heap.live:
                return f"free of {ptr:#x}, a live block of the {name} allocator, through {group}"
            inside = heap.containing(ptr, ptr + 1)
            if inside is not None:
                return f"free of {ptr:#x}, inside the {name} block at {inside:#x}, never returned"
        return f"free of {ptr:#x}, a pointer the {group} allocator never returned"

    def _report(self, problem: str, call: CallEntered, ptr: int, text: str) -> None:
        key = (problem, call.function, call.call_site, call.context.handler)
        self.book.add(key, lambda: heap_finding(problem, call, ptr, text))

    def findings(self) -> tuple[Finding, ...]:
        return self.book.findings()

    def stats(self) -> tuple[HeapStats, ...]:
        return tuple(heap_stats(name, heap) for name, heap in self.heaps.items())


def overlap_text(start: int, end: int, group: str, heap: _Heap, other: int) -> str:
    other_end, other_call = heap.live[other]
    return (f"block {start:#x}-{end:#x} overlaps live {group} block {other:#x}-{other_end:#x} "
            f"allocated by {other_call.function} at {other_call.call_site}")


def heap_stats(name: str, heap: _Heap) -> HeapStats:
    return HeapStats(allocator=name, allocs=heap.allocs, frees=heap.frees, live=len(heap.live),
                     live_bytes=sum(end - start for start, (end, _) in heap.live.items()),
                     peak_live=heap.peak, leaked=tuple(heap.starts))


def heap_finding(problem: str, call: CallEntered, ptr: int, text: str) -> Finding:
    ctx = call.context
    message = f"heap corruption ({problem}): {text}; {call.function} called from {call.call_site} in {ctx.name}"
    return Finding(kind="heap-integrity", message=message, pc=call_pc(call),
                   location=call.call_site, function=call.function, context=ctx, cycle=call.cycle,
                   backtrace=call.backtrace,
                   details=(("pointer", ptr), ("problem", problem)))
