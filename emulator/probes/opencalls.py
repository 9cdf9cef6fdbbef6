"""Which watched calls are in progress, on which thread and stack level, and when each one ends.

A call ends when control reaches its return address with the stack pointer back at the
caller's level, whatever instruction got it there (its own return, or the return of a
function it tail-called: gcc -O2 ends functions in ``b.w other`` / ``b other``).  The return
address and that level are what the call found on entry: LR and SP (AAPCS: BL/BLX set LR and
leave SP to the callee, which restores it) or LR and r1 (Power EABI: ``bl`` sets LR, r1 is
restored by the epilogue).  Calls are kept per *level*, (thread, interrupt depth): a handler's
calls run on another stack, or below the code it preempted, and never end that code's calls.

A call whose level sees its stack pointer above the call's entry SP can no longer return (a
longjmp unwound it); one made inside a handler that has returned cannot either.  Both end as
abandoned.  Pure bookkeeping: no engine, fed by the call probe (emulator/probes/calls.py).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

Level = tuple[int, int]             # (thread, interrupt depth)


class OpenCall(NamedTuple):
    call_id: int
    function: str
    ret: int                        # the return address (LR at entry, Thumb bit clear)
    sp: int                         # SP / r1 at entry: the caller's stack level
    level: Level
    context: object                 # the events.Context it was entered in


class OpenCalls:
    """The open calls, oldest first (at most a few: they nest).  ``calls`` is changed in
    place, so a reference to it stays current."""

    def __init__(self) -> None:
        self.calls: list[OpenCall] = []

    def enter(self, call: OpenCall) -> None:
        self.calls.append(call)

    def returned(self, ret: int, sp: int, level: Level) -> list[OpenCall]:
        """Remove and give the calls that end with control at ``ret`` and SP ``sp``, innermost
        first: a recursive call shares ``ret`` but not ``sp``; a watched function tail-called
        by another watched one shares both, and the two end together."""
        return list(self.ending(ret, sp, level)[1])

    def unwound(self, sp: int, level: Level) -> list[OpenCall]:
        """Remove and give the calls of ``level`` entered below ``sp``: while a call runs its
        SP never rises above its entry SP, so these were left without returning."""
        return list(self.ending(None, sp, level)[0])

    def ending(self, ret: int | None, sp: int, level: Level) -> tuple[Sequence, Sequence]:
        """``unwound(sp, level)`` and then ``returned(ret, sp, level)`` in one pass (the two
        are disjoint: SP below ``sp``, SP equal to it), ``()`` for none: the probes' hot path."""
        calls = self.calls
        unwound = returned = ()
        for i in range(len(calls) - 1, -1, -1):
            c = calls[i]
            if c.level != level or c.sp > sp:
                continue
            if c.sp < sp:
                unwound += (c,)
            elif c.ret == ret:
                returned += (c,)
            else:
                continue
            del calls[i]
        return unwound, returned

    def left(self, depth: int) -> list[OpenCall]:
        """Remove and give the calls made deeper than ``depth`` (their handlers returned)."""
        calls = self.calls
        taken = [c for c in reversed(calls) if c.level[1] > depth]
        if taken:
            calls[:] = [c for c in calls if c.level[1] <= depth]
        return taken


class Threads:
    """Thread identity from the interrupt events' stack pointers: an interrupt taken from
    thread code at SP p that returns to thread code at another SP switched threads.  The
    thread that was preempted at p is the one that later resumes at p (an RTOS restores the
    SP it saved: Cortex-M PendSV restores PSP, Book E kernels r1)."""

    def __init__(self) -> None:
        self.current = 0
        self._next = 1
        self._preempted_sp: int | None = None   # thread SP when the outermost interrupt began
        self._suspended: dict[int, int] = {}   # saved SP -> the thread switched out there

    def entered(self, depth: int, tail_chained: bool, preempted_sp: int | None) -> None:
        if depth == 1 and not tail_chained:
            self._preempted_sp = preempted_sp

    def exited(self, depth: int, tail_chained: bool, sp: int | None) -> None:
        """An interrupt returned to ``depth`` with the stack pointer ``sp`` (of the code
        returned to, InterruptExited.sp)."""
        if depth != 0 or tail_chained:
            return
        left, self._preempted_sp = self._preempted_sp, None
        if sp is None or left is None or sp == left:
            return
        self._suspended[left] = self.current
        resumed = self._suspended.pop(sp, None)
        if resumed is None:
            resumed, self._next = self._next, self._next + 1
        self.current = resumed
