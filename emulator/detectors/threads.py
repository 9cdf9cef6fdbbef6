"""Thread identity from interrupt events: which thread runs, told apart by its stack pointer."""
from __future__ import annotations

from typing import Callable

StackName = Callable[[int], "str | None"]       # address -> name of the object holding it


class Threads:
    """The thread switches seen in a stream of interrupt entries and returns.

    Thread code is switched out at the outermost interrupt entry, whose ``preempted_sp`` is its
    stack pointer s; when the matching return to thread code restores another stack pointer, a
    different thread runs and s is the switched-out thread's saved SP.  A later return to thread
    code that restores s resumes it; one that restores an SP nobody saved starts a new thread.
    Threads are numbered in order of first sight, thread 0 being the code that ran first.
    Without stack pointers in the events (``None``) nothing is ever a switch.
    """

    def __init__(self) -> None:
        self.running = 0
        self.entry_sp: int | None = None        # thread code's SP at the outermost entry
        self.saved: dict[int, tuple[int, int]] = {}   # saved SP -> (thread, cycle it stopped)
        self.stacks: list[int] = []             # per thread: an address in its stack

    def entered(self, preempted_sp: int | None) -> None:
        """An outermost (not tail-chained) interrupt entry interrupted thread code at this SP."""
        self.entry_sp = preempted_sp

    def switches(self, sp: int) -> bool:
        """Whether a return to thread code restoring ``sp`` runs another thread."""
        return self.entry_sp is not None and sp != self.entry_sp

    def switch(self, sp: int, stopped: int) -> tuple[int, int | None]:
        """Run the thread whose SP is ``sp``; the running one stopped at cycle ``stopped``.

        Returns (the thread now running, the cycle it had stopped at or None if it is new).
        A thread's stack is named by the byte below the SP it was first seen with: inside the
        stack whether that SP points at the last word pushed or at the empty stack's top.
        """
        out_sp, self.entry_sp = self.entry_sp, None
        if not self.stacks:
            self.stacks.append(out_sp - 1)
        self.saved[out_sp] = (self.running, stopped)
        thread, since = self.saved.pop(sp, (None, None))
        if thread is None:
            thread = len(self.stacks)
            self.stacks.append(sp - 1)
        self.running = thread
        return thread, since

    @property
    def several(self) -> bool:
        return len(self.stacks) > 1

    def names(self, stack_name: StackName | None) -> list[str]:
        """Context name of each thread: ``thread`` alone, else ``thread@<stack object>``."""
        if not self.several:
            return ["thread"]
        return [f"thread@{(stack_name(a) if stack_name else None) or f'{a + 1:#x}'}"
                for a in self.stacks]


def is_thread_context(name: str) -> bool:
    """Whether a statistics context name is thread code (``thread`` or ``thread@...``)."""
    return name == "thread" or name.startswith("thread@")
