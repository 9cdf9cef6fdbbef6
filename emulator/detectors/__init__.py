"""ISR-safety detectors over machine events, and ``run_detectors`` to apply them all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..events import RunEnded
from ..report.model import AllocCall, AllocStats, Finding, HeapStats, InterruptStats, StackStats
from ..rules import Rules
from .alloc_cycles import AllocCyclesDetector, nearest_rank
from .alloc_in_isr import AllocInIsrDetector
from .base import Detector, FindingBook
from .faults import FaultDetector, InterruptCounter
from .heap import HeapIntegrityDetector
from .isr_stack import IsrStackDetector
from .reentry import AllocatorReentryDetector

__all__ = ["AllocCyclesDetector", "AllocInIsrDetector", "AllocatorReentryDetector", "Detector",
           "FaultDetector", "FindingBook", "HeapIntegrityDetector", "InterruptCounter",
           "IsrStackDetector", "Results", "nearest_rank", "run_detectors"]


@dataclass(frozen=True)
class Results:
    """Everything the detectors found in one event stream."""

    findings: tuple[Finding, ...]
    allocations: tuple[AllocStats, ...]
    calls: tuple[AllocCall, ...]
    stacks: tuple[StackStats, ...]
    interrupts: tuple[InterruptStats, ...]
    heaps: tuple[HeapStats, ...]
    run: RunEnded | None


def run_detectors(events: Iterable[object], rules: Rules) -> Results:
    """Feed ``events`` (in order) to every detector and collect findings and statistics."""
    cycles, stack, heap = AllocCyclesDetector(rules), IsrStackDetector(rules), HeapIntegrityDetector(rules)
    counter = InterruptCounter()
    detectors = [AllocInIsrDetector(rules), stack, cycles, AllocatorReentryDetector(rules), heap,
                 FaultDetector(), counter]
    run = None
    for event in events:
        for detector in detectors:
            detector.on_event(event)
        if isinstance(event, RunEnded):
            run = event
    findings = sorted((f for d in detectors for f in d.findings()), key=lambda f: f.sort_key)
    return Results(findings=tuple(findings), allocations=cycles.stats(), calls=cycles.calls(),
                   stacks=stack.stats(), interrupts=counter.stats(), heaps=heap.stats(), run=run)
