"""Fault handlers that make no progress: the same instruction faulting again as soon as its
handler resumed it (a HardFault handler returning straight to the faulting instruction loops
forever on silicon; the sandbox ends the run instead)."""
from __future__ import annotations

RETRY_LIMIT = 4                    # faults of one instruction in a row, none making progress


class Progress:
    """Counts consecutive faults of one instruction that its handler resumed and that faulted
    again before anything else ran (the fault's cycle is the cycle of the resumption)."""

    def __init__(self):
        self.pc: int | None = None
        self.count = 0
        self.resumed_cycle: int | None = None

    def fault(self, pc: int, cycle: int) -> int:
        """Record a fault at ``pc`` starting at ``cycle``; return how many in a row made no
        progress (1 = the first)."""
        again = pc == self.pc and cycle == self.resumed_cycle
        self.pc, self.count, self.resumed_cycle = pc, self.count + 1 if again else 1, None
        return self.count

    def resumed(self, pc: int, cycle: int) -> None:
        """A fault handler returned to ``pc`` at ``cycle``."""
        self.resumed_cycle = cycle if pc == self.pc else None

    def stuck(self) -> bool:
        return self.count >= RETRY_LIMIT
