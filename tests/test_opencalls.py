"""Open-call bookkeeping (emulator/probes/opencalls.py): pure, no engine."""
from __future__ import annotations

from emulator.probes.opencalls import OpenCall, OpenCalls, Threads

THREAD, IRQ = (0, 0), (0, 1)


def call(call_id, ret, sp, level=THREAD, function="f"):
    return OpenCall(call_id, function, ret, sp, level, None)


def test_a_recursive_call_ends_at_its_own_stack_level_not_the_outer_one():
    calls = OpenCalls()
    calls.enter(call(1, 0x100, 0x2000))
    calls.enter(call(2, 0x100, 0x1F00))        # the same return address, deeper
    assert [c.call_id for c in calls.returned(0x100, 0x1F00, THREAD)] == [2]
    assert [c.call_id for c in calls.returned(0x100, 0x2000, THREAD)] == [1]


def test_a_watched_function_tail_called_by_another_ends_with_it_innermost_first():
    calls = OpenCalls()
    calls.enter(call(1, 0x100, 0x2000, function="free"))
    calls.enter(call(2, 0x100, 0x2000, function="resume_all"))   # b.w: same LR, same SP
    assert [c.function for c in calls.returned(0x100, 0x2000, THREAD)] == ["resume_all", "free"]
    assert calls.calls == []


def test_a_handler_call_at_the_same_address_does_not_end_the_thread_call():
    calls = OpenCalls()
    calls.enter(call(1, 0x100, 0x2000))
    assert calls.returned(0x100, 0x2000, IRQ) == [] and len(calls.calls) == 1


def test_calls_below_a_higher_stack_pointer_of_their_level_are_unwound():
    calls = OpenCalls()
    calls.enter(call(1, 0x100, 0x2000))
    calls.enter(call(2, 0x200, 0x1E00))
    calls.enter(call(3, 0x300, 0x1000, level=IRQ))
    assert [c.call_id for c in calls.unwound(0x1F00, THREAD)] == [2]
    assert [c.call_id for c in calls.unwound(0x2000, THREAD)] == []      # equal: still running
    assert [c.call_id for c in calls.left(0)] == [3]


def test_threads_are_told_apart_by_the_stack_pointer_an_interrupt_returns_to():
    threads = Threads()
    threads.entered(1, False, 0x1000)
    threads.exited(0, False, 0x1000)            # same SP: no switch
    assert threads.current == 0
    threads.entered(1, False, 0x1000)
    threads.exited(0, False, 0x3000)            # PendSV switched to a new thread
    assert threads.current == 1
    threads.entered(1, False, 0x3000)
    threads.exited(0, False, 0x1000)            # and back to the first one
    assert threads.current == 0


def test_one_pass_gives_the_unwound_calls_and_the_returned_ones_innermost_first():
    calls = OpenCalls()
    kept = calls.calls
    calls.enter(call(1, 0x100, 0x2000))
    calls.enter(call(2, 0x200, 0x1F00))
    calls.enter(call(3, 0x300, 0x1E00))
    calls.enter(call(4, 0x300, 0x1000, level=IRQ))
    unwound, returned = calls.ending(0x100, 0x2000, THREAD)
    assert [c.call_id for c in unwound] == [3, 2] and [c.call_id for c in returned] == [1]
    assert kept is calls.calls and [c.call_id for c in kept] == [4]     # changed in place


def test_nothing_ending_gives_empty_results_and_keeps_every_call():
    calls = OpenCalls()
    calls.enter(call(1, 0x100, 0x2000))
    assert calls.ending(0x104, 0x2000, THREAD) == ((), ())
    assert calls.ending(0x100, 0x1F00, THREAD) == ((), ())      # a deeper SP: still running
    assert len(calls.calls) == 1
