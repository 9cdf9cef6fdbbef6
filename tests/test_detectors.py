"""Detectors on hand-written event lists: no Unicorn, no machine."""
from emulator.detectors import (AllocCyclesDetector, AllocInIsrDetector, AllocatorReentryDetector,
                                FaultDetector, HeapIntegrityDetector, InterruptCounter,
                                IsrStackDetector, nearest_rank, run_detectors)
from emulator.events import (THREAD, CallEntered, CallReturned, Context, Fault, InterruptEntered,
                             InterruptExited, RunEnded, StackSample, StackWrite)
from emulator.rules.model import DEFAULT_PATH, load_rules, parse_rules

RULES = load_rules()
SYSTICK = Context(handler="SysTick_Handler", irq=15, depth=1, chain=("SysTick_Handler",))
TIMER = Context(handler="TIMER0_Handler", irq=24, depth=2, chain=("SysTick_Handler", "TIMER0_Handler"))
_ids = iter(range(1, 10_000))
POOL = 0x20000100


def call(function, cycle, context=THREAD, args=(), site="main+0x10", call_id=None):
    return CallEntered(cycle=cycle, call_id=call_id or next(_ids), function=function, args=args,
                       return_address=0x101, call_site=site, sp=0x20001000, context=context,
                       backtrace=(site, "reset+0x4"))


def ret(entered, cycle, value=0):
    return CallReturned(cycle=cycle, call_id=entered.call_id, function=entered.function,
                        value=value, context=entered.context)


def enter(cycle, context=SYSTICK, number=15, pc=0x200, tail=False):
    return InterruptEntered(cycle=cycle, number=number, name=context.name, handler=context.handler,
                            context=context, sp=0x2000F000, preempted_pc=pc, tail_chained=tail,
                            preempted_location=f"main+{pc & 0xff:#x}")


def leave(cycle, back_to=THREAD, number=15, handler="SysTick_Handler", tail_to=None):
    return InterruptExited(cycle=cycle, number=number, handler=handler, context=back_to,
                           return_pc=0x200, tail_chained_to=tail_to)


def feed(detector, events):
    for event in events:
        detector.on_event(event)
    return detector


# alloc-in-isr

def test_heap_malloc_from_an_interrupt_is_reported_like_linux_sleeping_function_bug():
    [finding] = feed(AllocInIsrDetector(RULES), [
        call("heap_malloc", 500, SYSTICK, (32,), site="SysTick_Handler+0x8")]).findings()
    assert finding.kind == "alloc-in-isr" and finding.function == "heap_malloc"
    assert finding.message.startswith("BUG: heap allocator function called from invalid context")
    assert "heap_malloc(size=32) from SysTick_Handler+0x8 in SysTick_Handler" in finding.message
    assert (finding.context.irq, finding.context.depth, finding.cycle) == (15, 1, 500)
    assert finding.location == "SysTick_Handler+0x8" and finding.backtrace[0] == "SysTick_Handler+0x8"


def test_page_alloc_without_atomic_in_an_interrupt_is_reported_with_flags_decoded():
    [finding] = feed(AllocInIsrDetector(RULES), [call("page_alloc", 9, TIMER, (2,))]).findings()
    assert "page_alloc(flags=0x2 (PAGE_ZERO))" in finding.message
    assert "page_alloc needs PAGE_ATOMIC in argument 0" in finding.message
    assert dict(finding.details)["chain"] == "SysTick_Handler > TIMER0_Handler"


def test_page_alloc_with_atomic_and_pool_alloc_in_an_interrupt_are_fine():
    events = [call("page_alloc", 1, SYSTICK, (3,)), call("pool_alloc", 2, SYSTICK)]
    assert feed(AllocInIsrDetector(RULES), events).findings() == ()


def test_heap_malloc_in_thread_mode_is_fine_even_with_interrupts_masked():
    masked = Context(masked=True)
    assert feed(AllocInIsrDetector(RULES), [call("heap_malloc", 1, masked, (8,))]).findings() == ()


def test_a_waiting_page_alloc_in_thread_mode_with_interrupts_masked_is_reported():
    masked = Context(masked=True)
    [finding] = feed(AllocInIsrDetector(RULES), [call("page_alloc", 7, masked, (2,))]).findings()
    assert "in thread (irq None, depth 0, irqs masked)" in finding.message
    assert finding.message.endswith("page_alloc may wait, and cannot be woken with interrupts masked")


def test_an_atomic_page_alloc_with_interrupts_masked_is_fine():
    assert feed(AllocInIsrDetector(RULES), [call("page_alloc", 7, Context(masked=True), (1,))]).findings() == ()


def test_repeats_of_one_call_site_and_handler_are_one_finding_with_a_count():
    events = [call("heap_malloc", c, SYSTICK, (16,), site="tick+0x4") for c in (10, 20, 30)]
    events.append(call("heap_malloc", 40, SYSTICK, (16,), site="tick+0x10"))
    found = feed(AllocInIsrDetector(RULES), events).findings()
    assert [(f.location, f.count, f.cycle) for f in found] == [("tick+0x4", 3, 10), ("tick+0x10", 1, 40)]


# isr-stack-overflow

def stack_write(cycle, address, context=TIMER, frame=False, location="TIMER0_Handler+0x2"):
    return StackWrite(cycle=cycle, stack="isr", base=0x2000E000, top=0x2000E400, address=address,
                      size=4, pc=0x3002, location=location, sp=address, context=context,
                      by_exception_frame=frame)


def test_a_write_below_the_isr_stack_base_reports_bytes_over_and_the_chain():
    [finding] = feed(IsrStackDetector(RULES), [stack_write(70, 0x2000DFF8)]).findings()
    details = dict(finding.details)
    assert (details["bytes_over"], details["base"], details["sp"]) == (8, 0x2000E000, 0x2000DFF8)
    assert "8 bytes below the base 0x2000e000" in finding.message
    assert "SysTick_Handler > TIMER0_Handler" in finding.message
    assert (finding.pc, finding.location, finding.function) == (0x3002, "TIMER0_Handler+0x2", "TIMER0_Handler")


def test_an_exception_frame_push_overflow_is_named_as_such():
    [finding] = feed(IsrStackDetector(RULES), [stack_write(1, 0x2000DFE0, frame=True)]).findings()
    assert "exception frame push of 4 bytes" in finding.message


def test_repeated_overflow_writes_at_one_instruction_count_and_keep_the_worst_overrun():
    events = [stack_write(1, 0x2000DFFC), stack_write(2, 0x2000DFF0)]
    [finding] = feed(IsrStackDetector(RULES), events).findings()
    assert finding.count == 2 and dict(finding.details)["max_bytes_over"] == 16
    assert dict(finding.details)["bytes_over"] == 4


def sample(cycle, lowest, context):
    return StackSample(cycle=cycle, stack="isr", base=0x2000E000, top=0x2000E400, lowest=lowest,
                       context=context)


def test_high_water_marks_are_kept_per_handler_and_for_the_worst_nesting():
    detector = feed(IsrStackDetector(RULES), [sample(1, 0x2000E3C0, SYSTICK),
                                              sample(2, 0x2000E300, TIMER),
                                              sample(3, 0x2000E3A0, SYSTICK)])
    [stats] = detector.stats()
    assert (stats.high_water, stats.limit, stats.lowest) == (0x100, 0x400, 0x2000E300)
    assert stats.worst_chain == ("SysTick_Handler", "TIMER0_Handler")
    assert stats.per_handler == (("SysTick_Handler", 0x60), ("TIMER0_Handler", 0x100))
    assert detector.findings() == ()


def test_a_high_water_mark_over_the_budget_is_a_finding():
    rules = parse_rules("[budgets]\nisr_stack_bytes = 128\n")
    [finding] = feed(IsrStackDetector(rules), [sample(1, 0x2000E300, TIMER)]).findings()
    assert finding.kind == "isr-stack-overflow" and "exceeds the budget of 128 bytes" in finding.message
    assert IsrStackDetector(rules).budget == 128


# alloc-cycles

def test_nearest_rank_percentiles_are_observed_values():
    values = list(range(1, 101))
    assert (nearest_rank(values, 50), nearest_rank(values, 99), nearest_rank([7], 99)) == (50, 99, 7)
    assert nearest_rank([1, 2, 3, 4], 50) == 2


def test_exclusive_cycles_leave_out_the_interrupt_that_preempted_the_call():
    c = call("pool_alloc", 100)
    detector = feed(AllocCyclesDetector(RULES), [c, enter(110), leave(150), ret(c, 170)])
    [record] = detector.calls()
    assert (record.inclusive, record.exclusive, record.context) == (70, 30, "thread")


def test_the_exception_entry_cost_counts_as_interrupt_time():
    c = call("pool_alloc", 100)
    entry = InterruptEntered(cycle=122, number=15, name="SysTick", handler="SysTick_Handler",
                             context=SYSTICK, sp=0x2000F000, preempted_pc=0x200, entry_cycles=12)
    [record] = feed(AllocCyclesDetector(RULES), [c, entry, leave(150), ret(c, 170)]).calls()
    assert (record.inclusive, record.exclusive) == (70, 30)


def test_nested_interrupts_are_subtracted_once_and_tail_chains_continue_the_span():
    c = call("pool_alloc", 0)
    events = [c, enter(10), enter(20, TIMER, 24), leave(30, SYSTICK, 24, "TIMER0_Handler"),
              leave(40, tail_to=24), enter(46, tail=True), leave(60), ret(c, 100)]
    [record] = feed(AllocCyclesDetector(RULES), events).calls()
    assert (record.inclusive, record.exclusive) == (100, 50)


def test_a_call_inside_a_handler_only_loses_the_time_of_deeper_interrupts():
    c = call("pool_alloc", 15, SYSTICK)
    events = [enter(10), c, enter(20, TIMER, 24), leave(30, SYSTICK, 24, "TIMER0_Handler"),
              ret(c, 35), leave(40)]
    [record] = feed(AllocCyclesDetector(RULES), events).calls()
    assert (record.inclusive, record.exclusive, record.context) == (20, 10, "SysTick_Handler")


def test_stats_per_function_and_context_give_min_p50_mean_p99_max_and_where_the_max_was():
    events = []
    for cycle, cost, site in ((0, 40, "a+0x2"), (100, 60, "b+0x4"), (200, 50, "a+0x2")):
        c = call("pool_alloc", cycle, site=site)
        events += [c, ret(c, cycle + cost)]
    h = call("pool_alloc", 500, SYSTICK)
    events += [h, ret(h, 520)]
    isr, thread = feed(AllocCyclesDetector(RULES), events).stats()
    assert (isr.context, isr.calls, isr.max) == ("SysTick_Handler", 1, 20)
    assert (thread.calls, thread.min, thread.p50, thread.p99, thread.max, thread.total) == (3, 40, 50, 60, 60, 150)
    assert (thread.mean, thread.max_at, thread.max_cycle) == (50.0, "b+0x4", 100)


def test_a_call_that_never_returns_is_not_counted():
    assert feed(AllocCyclesDetector(RULES), [call("pool_alloc", 1)]).stats() == ()


def test_exceeding_a_cycle_budget_is_a_finding():
    rules = parse_rules(DEFAULT_PATH.read_text() + "[budgets.cycles.pool_alloc]\nmax = 50\np99 = 100\n")
    c = call("pool_alloc", 0, site="main+0x20")
    [finding] = feed(AllocCyclesDetector(rules), [c, ret(c, 80)]).findings()
    assert finding.kind == "alloc-cycles" and "max 80 cycles exceeds the budget of 50" in finding.message
    assert finding.location == "main+0x20"


# allocator-reentry

def test_an_interrupt_entering_the_nomask_pool_while_thread_is_inside_it_is_reported():
    victim = call("pool_alloc_nomask", 100, args=(POOL,), site="main+0x30")
    events = [victim, enter(105, pc=0x1234),
              call("pool_free_nomask", 110, SYSTICK, (POOL, 0x20002000), site="SysTick_Handler+0x6")]
    [finding] = feed(AllocatorReentryDetector(RULES), events).findings()
    details = dict(finding.details)
    assert finding.kind == "allocator-reentry" and finding.function == "pool_free_nomask"
    assert (details["interrupted_call_site"], details["preempted_pc"]) == ("main+0x30", 0x1234)
    assert details["preempted_at"] == "main+0x34" and details["group"] == "pool"
    assert "while thread was inside pool_alloc_nomask (called from main+0x30)" in finding.message


def test_the_masking_pool_entered_while_thread_is_in_the_nomask_pool_is_reentry():
    events = [call("pool_alloc_nomask", 1, args=(POOL,)), enter(2), call("pool_alloc", 3, SYSTICK, (POOL,))]
    [finding] = feed(AllocatorReentryDetector(RULES), events).findings()
    assert finding.function == "pool_alloc"


def test_an_interrupt_taken_at_the_first_instruction_of_the_nomask_pool_is_reentry():
    entry = InterruptEntered(cycle=5, number=15, name="SysTick", handler="SysTick_Handler",
                             context=SYSTICK, sp=0x2000F000, preempted_pc=0x442,
                             preempted_location="pool_alloc_nomask")
    events = [entry, call("pool_alloc_nomask", 7, SYSTICK, (POOL,), site="SysTick_Handler+0x2e")]
    [finding] = feed(AllocatorReentryDetector(RULES), events).findings()
    assert "while thread was inside pool_alloc_nomask (called from an unknown site)" in finding.message
    assert dict(finding.details)["preempted_at"] == "pool_alloc_nomask"


def test_the_implied_call_ends_when_the_interrupt_returns():
    entry = InterruptEntered(cycle=5, number=15, name="SysTick", handler="SysTick_Handler",
                             context=SYSTICK, sp=0x2000F000, preempted_pc=0x442,
                             preempted_location="pool_alloc_nomask+0x4")
    events = [entry, leave(6), enter(8), call("pool_alloc_nomask", 9, SYSTICK, (POOL,))]
    assert feed(AllocatorReentryDetector(RULES), events).findings() == ()


def test_a_different_pool_instance_is_not_reentry():
    events = [call("pool_alloc_nomask", 1, args=(POOL,)), enter(2),
              call("pool_alloc_nomask", 3, SYSTICK, (POOL + 16,))]
    assert feed(AllocatorReentryDetector(RULES), events).findings() == ()


def test_the_masking_pool_and_a_finished_call_are_not_reentry():
    first = call("pool_alloc", 1)
    done = call("pool_alloc_nomask", 2)
    events = [first, ret(done, 3), enter(4), call("pool_alloc", 5, SYSTICK),
              call("pool_alloc_nomask", 6, SYSTICK)]
    assert feed(AllocatorReentryDetector(RULES), [done] + events).findings() == ()


def test_a_call_entered_with_interrupts_masked_is_not_a_reentry_victim():
    victim = call("pool_alloc_nomask", 1, Context(masked=True))
    events = [victim, enter(2), call("pool_alloc_nomask", 3, SYSTICK)]
    assert feed(AllocatorReentryDetector(RULES), events).findings() == ()


# heap-integrity

def alloc(function, cycle, value, args=(), context=THREAD, site="main+0x40"):
    c = call(function, cycle, context, args, site)
    return [c, ret(c, cycle + 5, value)]


def test_a_double_free_is_reported_at_the_second_free():
    events = alloc("heap_malloc", 0, 0x20004000, (16,)) + [
        call("heap_free", 10, args=(0x20004000,)), call("heap_free", 20, args=(0x20004000,), site="main+0x50")]
    [finding] = feed(HeapIntegrityDetector(RULES), events).findings()
    assert dict(finding.details)["problem"] == "double-free" and finding.location == "main+0x50"
    assert "double free of 0x20004000" in finding.message


def test_freeing_a_pointer_never_returned_is_reported():
    events = alloc("heap_malloc", 0, 0x20004000, (16,)) + [call("heap_free", 10, args=(0x20004008,))]
    [finding] = feed(HeapIntegrityDetector(RULES), events).findings()
    assert "inside the heap block at 0x20004000, never returned" in finding.message


def test_freeing_a_pool_block_through_the_heap_is_reported():
    events = alloc("pool_alloc", 0, 0x20003000, (POOL,)) + [call("heap_free", 10, args=(0x20003000,))]
    [finding] = feed(HeapIntegrityDetector(RULES), events).findings()
    assert "a live block of the pool allocator, through heap" in finding.message


def test_overlapping_live_blocks_are_reported():
    events = alloc("heap_malloc", 0, 0x20004000, (32,)) + alloc("heap_malloc", 10, 0x20004010, (16,))
    [finding] = feed(HeapIntegrityDetector(RULES), events).findings()
    assert "overlaps live heap block 0x20004000-0x20004020" in finding.message


def test_a_block_outside_the_allocator_region_is_reported_once_rules_are_bound():
    rules = parse_rules('[functions.my_alloc]\nisr = "always"\nsize_arg = 0\n'
                        'region = { start = "__heap_start", end = 0x20005000 }\n')
    bound = rules.bind({"__heap_start": 0x20004000, "__isr_stack_base": 0, "__isr_stack_top": 0,
                        "my_alloc": 0})
    events = alloc("my_alloc", 0, 0x20004FF0, (32,))
    [finding] = feed(HeapIntegrityDetector(bound), events).findings()
    assert "outside the my_alloc region 0x20004000-0x20005000" in finding.message


def test_null_returns_and_null_frees_are_ignored_and_leaks_are_summarised():
    events = (alloc("heap_malloc", 0, 0, (8,)) + alloc("heap_malloc", 1, 0x20004000, (8,))
              + alloc("heap_malloc", 2, 0x20004100, (24,)) + [call("heap_free", 3, args=(0,)),
                                                             call("heap_free", 4, args=(0x20004000,))])
    detector = feed(HeapIntegrityDetector(RULES), events)
    assert detector.findings() == ()
    [heap] = detector.stats()
    assert (heap.allocator, heap.allocs, heap.frees, heap.live, heap.live_bytes, heap.peak_live,
            heap.leaked) == ("heap", 2, 1, 1, 24, 2, (0x20004100,))


def test_a_freed_block_may_be_returned_again():
    events = (alloc("pool_alloc", 0, 0x20003000, (POOL,)) + [call("pool_free", 10, args=(POOL, 0x20003000))]
              + alloc("pool_alloc", 20, 0x20003000, (POOL,)) + [call("pool_free", 30, args=(POOL, 0x20003000))])
    assert feed(HeapIntegrityDetector(RULES), events).findings() == ()


# faults, interrupts, and all together

def test_faults_become_fault_findings():
    fault = Fault(cycle=9, kind="unmapped-read", pc=0x400, location="main+0x4", message="read of 0x0",
                  context=THREAD, address=0)
    [finding] = feed(FaultDetector(), [fault, fault]).findings()
    assert (finding.kind, finding.count, finding.message) == ("fault", 2, "unmapped-read: read of 0x0")


def test_interrupts_taken_are_counted_with_their_deepest_nesting():
    events = [enter(1), enter(2, TIMER, 24), enter(3), enter(4, Context("TIMER0_Handler", 24, 1), 24)]
    stats = feed(InterruptCounter(), events).stats()
    assert [(s.irq, s.handler, s.taken, s.max_depth) for s in stats] == [
        (15, "SysTick_Handler", 2, 1), (24, "TIMER0_Handler", 2, 2)]


def test_run_detectors_collects_findings_in_cycle_order_and_all_statistics():
    c = call("pool_alloc", 5)
    events = [c, ret(c, 25, 0x20003000), enter(30), call("heap_malloc", 40, SYSTICK, (8,)),
              leave(60), RunEnded(cycle=100, instructions=80, reason="exit", code=0)]
    results = run_detectors(events, RULES)
    assert [f.kind for f in results.findings] == ["alloc-in-isr"]
    assert results.run.reason == "exit" and results.allocations[0].function == "pool_alloc"
    assert [h.allocator for h in results.heaps] == ["heap", "pool"]
    assert results.interrupts[0].taken == 1
