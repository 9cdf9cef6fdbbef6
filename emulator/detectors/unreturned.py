"""Unreturned calls: how many calls of each watched function never returned, and why."""
from __future__ import annotations

from ..events import CallAbandoned, CallEntered, CallReturned
from ..report.model import Unreturned
from .base import Dispatching, Handlers

RUN_ENDED = "run-ended"             # still open when the events end (the run stopped inside it)


class UnreturnedCalls(Dispatching):
    """Counts the watched calls that have no ``CallReturned``, per (function, reason).

    Reasons are a ``CallAbandoned`` event's (``stack-unwound``: a longjmp unwound it;
    ``interrupt-exit``: the handler it was made in returned) and ``run-ended`` for a call
    still open after the last event.  Such calls have no cycle statistics (alloc-cycles counts
    completed calls only); this says how many there were, so none is dropped silently.
    """

    name = "unreturned-calls"

    def __init__(self) -> None:
        self.open: dict[int, str] = {}              # call id -> function
        self.counts: dict[tuple[str, str], int] = {}

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_call_entered, CallReturned: self.on_call_returned,
                CallAbandoned: self.on_call_abandoned}

    def on_call_entered(self, event: CallEntered) -> None:
        self.open[event.call_id] = event.function

    def on_call_returned(self, event: CallReturned) -> None:
        self.open.pop(event.call_id, None)

    def on_call_abandoned(self, event: CallAbandoned) -> None:
        if self.open.pop(event.call_id, None) is not None:
            self._count(event.function, event.reason)

    def _count(self, function: str, reason: str) -> None:
        self.counts[function, reason] = self.counts.get((function, reason), 0) + 1

    def stats(self) -> tuple[Unreturned, ...]:
        """Sorted by (function, reason); the calls open now count as ``run-ended``."""
        counts = dict(self.counts)
        for function in self.open.values():
            counts[function, RUN_ENDED] = counts.get((function, RUN_ENDED), 0) + 1
        return tuple(Unreturned(fn, reason, n) for (fn, reason), n in sorted(counts.items()))

    def findings(self) -> tuple:
        return ()
