"""The detectors' shortcuts change nothing they report: heap bounds, stats groups, skipped rules."""

from emulator.detectors import AllocCyclesDetector, HeapIntegrityDetector, run_detectors
from emulator.events import THREAD, Context
from eventlists import POOL, RULES, SYSTICK, call, enter, leave, ret

NAMED_THREAD = Context(handler="thread", irq=16, depth=1, chain=("thread",))


def interrupt(cycle, location="main+0x20"):
    return enter(cycle, location, entry_cycles=2)


def alloc(function, cycle, call_id, value, args=(), context=THREAD):
    entered = call(function, cycle, call_id, context, args)
    return [entered, ret(entered, cycle + 5, value)]


def feed(detector, events):
    for event in events:
        detector.on_event(event)
    return detector


def test_a_block_overlapping_another_groups_live_block_is_still_reported():
    events = (alloc("heap_malloc", 0, 1, 0x20004000, (64,))
              + alloc("pool_alloc", 10, 2, 0x20004020, (POOL,))     # inside the heap block
              + alloc("page_alloc", 20, 3, 0x20010000, (1,)))       # far from both
    [finding] = feed(HeapIntegrityDetector(RULES), events).findings()
    assert "overlaps live heap block 0x20004000-0x20004040" in finding.message
    assert finding.function == "pool_alloc"


def test_a_block_beside_the_live_ones_is_fine_and_one_inside_a_freed_range_is_too():
    events = (alloc("heap_malloc", 0, 1, 0x20004000, (16,))
              + alloc("heap_malloc", 10, 2, 0x20004010, (16,))      # right after the first
              + [call("heap_free", 20, 3, args=(0x20004000,))]
              + alloc("heap_malloc", 30, 4, 0x20004004, (4,)))      # in the freed block
    detector = feed(HeapIntegrityDetector(RULES), events)
    assert detector.findings() == ()
    [heap] = detector.stats()
    assert (heap.allocs, heap.frees, heap.live) == (3, 1, 2)


def test_a_handler_named_thread_shares_the_thread_statistics_group():
    first, second, third = (call("pool_alloc", 0, 1, THREAD, (POOL,)),
                            call("pool_alloc", 100, 2, NAMED_THREAD, (POOL,)),
                            call("pool_alloc", 200, 3, THREAD, (POOL,)))
    events = [first, ret(first, 40), second, ret(second, 130), third, ret(third, 240)]
    [stats] = feed(AllocCyclesDetector(RULES), events).stats()
    assert (stats.context, stats.calls, stats.min, stats.max, stats.max_cycle) == (
        "thread", 3, 30, 40, 0)


def test_the_slowest_call_is_the_earliest_entered_of_the_largest_even_if_it_finished_last():
    outer = call("pool_alloc", 0, 1, THREAD, (POOL,), site="main+0x10")
    inner = call("pool_alloc", 10, 2, THREAD, (POOL,), site="main+0x20")   # nested, same group
    events = [outer, interrupt(2), leave(10), inner, ret(inner, 60), interrupt(62), leave(70),
              ret(outer, 70)]                   # both take 50 cycles outside the interrupts
    [stats] = feed(AllocCyclesDetector(RULES), events).stats()
    assert (stats.calls, stats.min, stats.max) == (2, 50, 50)
    assert (stats.max_at, stats.max_cycle) == ("main+0x10", 0)


def test_calls_no_rule_forbids_in_an_interrupt_are_never_reported_there():
    events = [call("pool_alloc", 0, 1, SYSTICK, (POOL,)), call("page_free", 1, 2, SYSTICK, (0x1000,)),
              call("pool_free", 2, 3, SYSTICK, (POOL, 0x20))]
    assert [f for f in run_detectors(events, RULES).findings if f.kind == "alloc-in-isr"] == []
    assert [f.kind for f in run_detectors([call("heap_malloc", 0, 1, SYSTICK, (8,))],
                                          RULES).findings] == ["alloc-in-isr"]


def test_an_interrupt_preempting_an_open_nomask_call_is_still_reentry_when_nothing_else_is_open():
    nomask = call("pool_alloc_nomask", 0, 1, THREAD, (POOL,))
    events = [nomask, interrupt(5, "pool_alloc_nomask+0x4"), call("pool_alloc", 9, 2, SYSTICK, (POOL,))]
    assert [f.kind for f in run_detectors(events, RULES).findings] == ["allocator-reentry"]
    assert [f.kind for f in run_detectors(events[1:], RULES).findings] == ["allocator-reentry"]
