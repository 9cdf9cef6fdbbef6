"""fault findings from ``Fault`` events, and the interrupt-taken statistics."""
from __future__ import annotations

from ..events import Fault, InterruptAcknowledged, InterruptEntered
from ..report.model import Finding, InterruptStats
from .base import Dispatching, FindingBook, Handlers


class FaultDetector(Dispatching):
    """One ``fault`` finding per (fault kind, location), counted, from ``Fault`` events."""

    name = "fault"

    def __init__(self, rules: object = None):
        self.book = FindingBook()

    def handlers(self) -> Handlers:
        return {Fault: self.on_fault}

    def on_fault(self, event: Fault) -> None:
        self.book.add((event.kind, event.location), lambda: fault_finding(event))

    def findings(self) -> tuple[Finding, ...]:
        return self.book.findings()


def fault_finding(event: Fault) -> Finding:
    details = (("fault", event.kind),)
    if event.address is not None:
        details += (("address", event.address),)
    return Finding(kind="fault", message=f"{event.kind}: {event.message}", pc=event.pc,
                   location=event.location, function=event.context.handler,
                   context=event.context, cycle=event.cycle, details=tuple(sorted(details)),
                   registers=event.registers)


class InterruptCounter(Dispatching):
    """Counts ``InterruptEntered`` per (number, handler), an ``InterruptAcknowledged`` moving
    its interrupt to the acknowledged one; ``stats()`` sorted by number."""

    name = "interrupts"

    def __init__(self, rules: object = None):
        self.seen: dict[tuple[int, str], list] = {}

    def handlers(self) -> Handlers:
        return {InterruptEntered: self.on_interrupt_entered,
                InterruptAcknowledged: self.on_interrupt_acknowledged}

    def on_interrupt_entered(self, event: InterruptEntered | InterruptAcknowledged) -> None:
        key = (event.number, event.handler)
        entry = self.seen.get(key)
        if entry is None:
            entry = self.seen[key] = [event.name, 0, 0]     # [name, taken, deepest]
        entry[1] += 1
        if event.context.depth > entry[2]:
            entry[2] = event.context.depth

    def on_interrupt_acknowledged(self, event: InterruptAcknowledged) -> None:
        entered = self.seen.get((event.entered_number, event.entered_handler))
        if entered is not None:
            entered[1] -= 1
        self.on_interrupt_entered(event)

    def findings(self) -> tuple[Finding, ...]:
        return ()

    def stats(self) -> tuple[InterruptStats, ...]:
        return tuple(InterruptStats(irq=irq, name=name, handler=handler, taken=taken,
                                    max_depth=depth)
                     for (irq, handler), (name, taken, depth) in sorted(self.seen.items()) if taken)
