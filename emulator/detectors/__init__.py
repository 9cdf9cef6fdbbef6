"""ISR-safety detectors over machine events, and ``run_detectors`` to apply them all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ..events import CallAbandoned, CallEntered, CallReturned, Handlers, Routes, RunEnded
from ..report.model import (AllocCall, AllocStats, Finding, HandlerStats, HeapStats, InterruptStats,
                            LatencyStats, MaskedSection, MaskedStats, StackStats, Unreturned)
from ..rules.model import Rules
from .alloc_cycles import AllocCyclesDetector, nearest_rank
from .alloc_in_isr import AllocInIsrDetector
from .base import Detector, Dispatching, FindingBook
from .faults import FaultDetector, InterruptCounter
from .handlers import HandlerCycles
from .heap import HeapIntegrityDetector
from .latency import InterruptLatency
from .masked import MaskedSections
from .timeline import Timeline, TimelineRecorder
from .isr_stack import IsrStackDetector
from .opencalls import OpenCallTracker
from .reentry import AllocatorReentryDetector
from .unreturned import UnreturnedCalls
from .threads import StackName

__all__ = ["AllocCyclesDetector", "AllocInIsrDetector", "AllocatorReentryDetector", "Detector",
           "DetectorSet", "FaultDetector", "FindingBook", "HeapIntegrityDetector", "InterruptCounter",
           "IsrStackDetector", "Results", "nearest_rank", "run_detectors"]


@dataclass(frozen=True)
class Results:
    """Everything the detectors found in one event stream."""

    findings: tuple[Finding, ...]
    allocations: tuple[AllocStats, ...]
    calls: Sequence[AllocCall]          # made into records on first read (alloc_cycles.py)
    stacks: tuple[StackStats, ...]
    interrupts: tuple[InterruptStats, ...]
    heaps: tuple[HeapStats, ...]
    run: RunEnded | None
    unreturned: tuple[Unreturned, ...] = ()
    handlers: tuple[HandlerStats, ...] = ()
    latencies: tuple[LatencyStats, ...] = ()
    masked: tuple[MaskedStats, ...] = ()
    masked_longest: tuple[MaskedSection, ...] = ()
    timeline: Timeline | None = None


class RunEndRecorder(Dispatching):
    """Keeps the last ``RunEnded`` of a stream."""

    def __init__(self) -> None:
        self.run: RunEnded | None = None

    def handlers(self) -> Handlers:
        return {RunEnded: self.on_run_ended}

    def on_run_ended(self, event: RunEnded) -> None:
        self.run = event


class DetectorSet:
    """Every detector of one run, fed event by event: in a recorded stream by
    ``run_detectors``, or live through ``Machine.subscribe(feed, *classes)`` so that a run of
    any length holds only the detectors' aggregates, never its event list (issue 21)."""

    def __init__(self, rules: Rules, stack_name: StackName | None = None, timeline: bool = True):
        self.cycles = AllocCyclesDetector(rules, stack_name)
        self.stack, self.heap = IsrStackDetector(rules), HeapIntegrityDetector(rules)
        self.counter, self.ended, self.unreturned = InterruptCounter(), RunEndRecorder(), UnreturnedCalls()
        self.paths, self.latency = HandlerCycles(rules), InterruptLatency(rules)
        self.masked = MaskedSections(rules)
        self.timeline = TimelineRecorder() if timeline else None   # kept events for pictures
        tracker = OpenCallTracker(rules)
        allocators = [self.cycles, AllocatorReentryDetector(rules), self.heap]
        self.detectors = [AllocInIsrDetector(rules, tracker), self.stack, *allocators,
                          FaultDetector(), self.counter, self.unreturned, self.paths,
                          self.latency, self.masked] + ([self.timeline] if timeline else [])
        tables = [tracker.handlers()] + [_gated(d, tracker, rules) if d in allocators
                                         else d.handlers() for d in self.detectors]
        tables += [self.ended.handlers()]
        self.routes = Routes(tables)
        self.classes = tuple({cls for table in tables for cls in table})

    def feed(self, event: object) -> None:
        for handler in self.routes[type(event)]:
            handler(event)

    def results(self) -> Results:
        findings = sorted((f for d in self.detectors for f in d.findings()), key=lambda f: f.sort_key)
        return Results(findings=tuple(findings), allocations=self.cycles.stats(),
                       calls=self.cycles.calls(), stacks=self.stack.stats(),
                       interrupts=self.counter.stats(), heaps=self.heap.stats(),
                       run=self.ended.run, unreturned=self.unreturned.stats(),
                       handlers=self.paths.stats(), latencies=self.latency.stats(),
                       masked=self.masked.stats(), masked_longest=self.masked.longest(),
                       timeline=self.timeline.timeline if self.timeline else None)


def _gated(detector, tracker: OpenCallTracker, rules: Rules) -> Handlers:
    """An allocator detector's handlers, its call events limited to outer allocator calls."""
    calls = (CallEntered, CallReturned, CallAbandoned)
    return {kind: tracker.allocator_gate(rules, handler) if kind in calls else handler
            for kind, handler in detector.handlers().items()}


def run_detectors(events: Iterable[object], rules: Rules, stack_name: StackName | None = None) -> Results:
    """Feed ``events`` (in order) to every detector and collect findings and statistics.

    Each event goes only to the handlers its class has in the detectors' ``handlers()``.
    ``stack_name(address)`` names the object holding a thread's stack (alloc-cycles contexts).
    """
    detectors = DetectorSet(rules, stack_name)
    routes = detectors.routes
    for event in events:
        for handler in routes[type(event)]:
            handler(event)
    return detectors.results()
