"""The detectors' fast paths keep their meaning: routing by event class, records made on first read."""

from emulator.detectors import (AllocCyclesDetector, AllocInIsrDetector, AllocatorReentryDetector,
                                FaultDetector, HeapIntegrityDetector, InterruptCounter,
                                IsrStackDetector, run_detectors)
from emulator.detectors.base import LazySequence
from emulator.detectors.opencalls import OpenCallTracker
from emulator.events import (THREAD, CallEntered, Context, Fault, RunEnded, StackSample,
                             StackWrite, handler_for)
from eventlists import POOL, RULES, SYSTICK, call, enter, leave, ret


def busy_run():
    """A run that gives every detector something to find or count."""
    nomask = call("pool_alloc_nomask", 10, 1, args=(POOL,), site="main+0x30")
    block = call("heap_malloc", 40, 2, args=(16,))
    return [nomask, enter(12), call("pool_alloc", 14, 3, SYSTICK, (POOL,)),
            call("heap_malloc", 16, 4, SYSTICK, (8,)), leave(20), ret(nomask, 30, 0x20002000),
            block, ret(block, 50, 0x20004000), call("heap_free", 60, 5, args=(0x20004000,)),
            call("heap_free", 70, 6, args=(0x20004000,), site="main+0x50"),
            StackSample(cycle=80, stack="isr", base=0x1000, top=0x1400, lowest=0x1300, context=SYSTICK),
            StackWrite(cycle=81, stack="isr", base=0x1000, top=0x1400, address=0xFFC, size=4, pc=0x300,
                       location="SysTick_Handler+0x4", sp=0xFFC, context=SYSTICK),
            Fault(cycle=90, kind="unmapped-read", pc=0x400, location="main+0x60",
                  message="read of 0x0", context=THREAD, address=0),
            RunEnded(cycle=100, instructions=80, reason="fault")]


def test_run_detectors_finds_what_feeding_every_event_to_on_event_finds():
    events = busy_run()
    tracker = OpenCallTracker(RULES)                # the open calls alloc-in-isr backtraces use
    detectors = [AllocInIsrDetector(RULES, tracker)] + [
        cls(RULES) for cls in (IsrStackDetector, AllocCyclesDetector, AllocatorReentryDetector,
                               HeapIntegrityDetector, FaultDetector, InterruptCounter)]
    for event in events:
        tracker.on_event(event)
        for detector in detectors:
            detector.on_event(event)
    fed = sorted((f for d in detectors for f in d.findings()), key=lambda f: f.sort_key)
    results = run_detectors(events, RULES)
    assert list(results.findings) == fed
    assert {f.kind for f in fed} == {"alloc-in-isr", "allocator-reentry", "heap-integrity",
                                    "isr-stack-overflow", "fault"}
    assert results.allocations == detectors[2].stats() and results.calls == detectors[2].calls()
    assert results.heaps == detectors[4].stats() and results.interrupts == detectors[6].stats()
    assert results.run == events[-1]


class TracedCall(CallEntered):
    """An event class derived from one the detectors consume."""

    __slots__ = ()


def test_an_event_of_a_derived_class_reaches_the_handlers_of_its_base_class():
    event = TracedCall(cycle=5, call_id=1, function="heap_malloc", args=(8,), return_address=0x101,
                       call_site="SysTick_Handler+0x8", sp=0x2000F000, context=SYSTICK)
    [finding] = run_detectors([event], RULES).findings
    assert finding.kind == "alloc-in-isr" and finding.location == "SysTick_Handler+0x8"
    assert handler_for(AllocInIsrDetector(RULES).handlers(), TracedCall) is not None


def test_a_detector_ignores_the_event_classes_it_has_no_handler_for():
    detector = FaultDetector()
    detector.on_event(RunEnded(cycle=1, instructions=1, reason="exit"))
    detector.on_event("not an event")
    assert detector.findings() == () and handler_for(detector.handlers(), str) is None


def test_completed_calls_become_records_once_when_first_read_and_compare_like_a_tuple():
    made = []
    calls = LazySequence((1, 2, 3), lambda row: made.append(row) or row * 10)
    assert len(calls) == 3 and made == []
    assert calls == (10, 20, 30) and (10, 20, 30) == calls and calls[-1] == 30
    assert list(calls) == [10, 20, 30] and hash(calls) == hash((10, 20, 30)) and made == [1, 2, 3]


def test_completed_call_records_carry_formatted_arguments_and_exclusive_cycles():
    c = call("page_alloc", 100, 1, args=(3,), site="main+0x44")
    [record] = run_detectors([c, enter(110), leave(150), ret(c, 170)], RULES).calls
    assert (record.function, record.context, record.call_site) == ("page_alloc", "thread", "main+0x44")
    assert record.args == "flags=0x3 (PAGE_ATOMIC|PAGE_ZERO)"
    assert (record.cycle, record.inclusive, record.exclusive) == (100, 70, 30)


def test_an_interrupt_preempting_a_reentrant_allocator_replaces_an_earlier_implied_call():
    events = [enter(5, "pool_alloc_nomask+0x4"), enter(8, "pool_alloc+0x2"),
              call("pool_alloc_nomask", 9, 1, SYSTICK, (POOL,))]
    assert run_detectors(events, RULES).findings == ()
    assert [f.kind for f in run_detectors(events[:1] + events[2:], RULES).findings] == [
        "allocator-reentry"]


def test_heap_groups_are_reported_in_name_order_whatever_order_they_first_appear_in():
    events = []
    for index, function in enumerate(("pool_alloc", "page_alloc", "heap_malloc")):
        entered = call(function, index * 10, index + 1, args=(POOL,))
        events += [entered, ret(entered, index * 10 + 5, 0x20008000 + index * 0x1000)]
    heaps = run_detectors(events, RULES).heaps
    assert [h.allocator for h in heaps] == ["heap", "page", "pool"]


def test_a_masked_open_call_still_stands_for_the_call_an_interrupt_preempted():
    masked = call("pool_alloc_nomask", 1, 1, Context(masked=True), (POOL,))
    events = [masked, enter(5, "pool_alloc_nomask+0x4"), call("pool_alloc_nomask", 9, 2, SYSTICK, (POOL,))]
    assert run_detectors(events, RULES).findings == ()
    assert [f.kind for f in run_detectors(events[1:], RULES).findings] == ["allocator-reentry"]
