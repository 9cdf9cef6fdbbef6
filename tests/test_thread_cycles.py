"""alloc-cycles under an RTOS: time other threads ran is left out of a call, like interrupt time."""
from __future__ import annotations

from emulator.detectors import AllocCyclesDetector, run_detectors
from emulator.events import THREAD, CallAbandoned, Context, InterruptEntered, InterruptExited
from emulator.report import object_namer
from emulator.load.image import Symbol
from emulator.rules.model import DEFAULT_PATH, parse_rules
from eventlists import RULES, SYSTICK, call, ret

A_SP, B_SP = 0x20001F00, 0x20002F00             # the two threads' stack pointers when switched
PENDSV = Context(handler="PendSV_Handler", irq=14, depth=1, chain=("PendSV_Handler",))
TIMER = Context(handler="TIMER0_Handler", irq=24, depth=2, chain=("SysTick_Handler", "TIMER0_Handler"))
IVOR4 = Context(handler="ivor4_handler", irq=4, depth=1, chain=("ivor4_handler",))
STACKS = {"task_a_stack": (0x20001000, 0x1000), "task_b_stack": (0x20002000, 0x1000)}


def enter(cycle, sp, context=PENDSV, tail=False, entry_cycles=0):
    """An interrupt entry that interrupted code whose stack pointer was ``sp``."""
    return InterruptEntered(cycle=cycle, number=context.irq, name=context.name,
                            handler=context.name, context=context, sp=0x2000F000,
                            preempted_pc=0x200, tail_chained=tail, entry_cycles=entry_cycles,
                            preempted_sp=None if tail else sp)


def leave(cycle, sp, handler="PendSV_Handler", to=THREAD, tail_to=None):
    """A return to ``to`` restoring stack pointer ``sp`` (None while tail-chaining)."""
    return InterruptExited(cycle=cycle, number=14, handler=handler, context=to, return_pc=0x200,
                           tail_chained_to=tail_to, sp=sp)


def switch(cycle, out_sp, in_sp, took=50):
    """PendSV entered at ``cycle`` on the thread at ``out_sp``, returning to the one at ``in_sp``."""
    return [enter(cycle, out_sp), leave(cycle + took, in_sp)]


def feed(events, stack_name=None, rules=RULES):
    detector = AllocCyclesDetector(rules, stack_name)
    for event in events:
        detector.on_event(event)
    return detector


def stack_name(addr):
    return next((name for name, (base, size) in STACKS.items() if base <= addr < base + size), None)


def test_a_switch_inside_a_call_leaves_out_the_other_threads_time():
    c = call("pool_alloc", 0, 1, args=(0x20000100,))
    events = [c] + switch(100, A_SP, B_SP) + switch(5150, B_SP, A_SP) + [ret(c, 5260)]
    [record] = feed(events).calls()
    assert (record.inclusive, record.exclusive) == (5260, 160)


def test_switches_back_and_forth_are_each_left_out():
    c = call("pool_alloc", 0, 1)
    events = ([c] + switch(100, A_SP, B_SP) + switch(2100, B_SP, A_SP)
              + switch(2200, A_SP + 8, B_SP) + switch(4200, B_SP, A_SP + 8) + [ret(c, 4300)])
    [record] = feed(events).calls()
    assert (record.inclusive, record.exclusive) == (4300, 100 + 50 + 50)   # A ran 0-100, 2150-2200, 4250-4300


def test_interrupts_nested_while_the_other_thread_runs_are_subtracted_once_and_only_from_it():
    a = call("pool_alloc", 0, 1, site="task_a+0x10")
    b = call("pool_alloc", 500, 2, site="task_b+0x10")
    events = ([a] + switch(100, A_SP, B_SP) + [b, enter(1000, B_SP - 32, SYSTICK),
              enter(1010, None, TIMER), leave(1020, None, "TIMER0_Handler", SYSTICK),
              leave(1050, B_SP - 32, "SysTick_Handler"), ret(b, 1100)]
              + switch(2000, B_SP, A_SP) + [ret(a, 2100)])
    calls = {r.call_site: r for r in feed(events).calls()}
    assert (calls["task_b+0x10"].inclusive, calls["task_b+0x10"].exclusive) == (600, 550)
    assert (calls["task_a+0x10"].inclusive, calls["task_a+0x10"].exclusive) == (2100, 150)


def test_a_tail_chained_pendsv_switches_from_the_start_of_the_first_interrupt():
    c = call("pool_alloc", 0, 1)
    events = [c, enter(100, A_SP, SYSTICK, entry_cycles=12),
              leave(120, None, "SysTick_Handler", PENDSV, tail_to=14), enter(126, None, tail=True),
              leave(150, B_SP)] + switch(3000, B_SP, A_SP) + [ret(c, 3100)]
    [record] = feed(events).calls()
    assert (record.inclusive, record.exclusive) == (3100, 88 + 50)


def test_a_book_e_r1_switch_between_interrupt_entry_and_rfi_is_a_thread_switch():
    r1_a, r1_b = 0x00011FF0, 0x00012FF0
    c = call("pool_alloc", 0, 1)
    events = ([c, enter(40, r1_a, IVOR4), leave(90, r1_b, "ivor4_handler")]
              + [enter(4090, r1_b, IVOR4), leave(4140, r1_a, "ivor4_handler"), ret(c, 4200)])
    [record] = feed(events).calls()
    assert (record.inclusive, record.exclusive) == (4200, 40 + 60)


def test_calls_of_the_other_thread_are_its_own_and_thread_contexts_are_named_by_stack():
    a = call("pool_alloc", 0, 1, site="task_a+0x10")
    b = call("pool_alloc", 500, 2, site="task_b+0x10")
    events = [a] + switch(100, A_SP, B_SP) + [b, ret(b, 530)] + switch(900, B_SP, A_SP) + [ret(a, 1000)]
    detector = feed(events, stack_name)
    by_context = {s.context: s for s in detector.stats()}
    assert sorted(by_context) == ["thread@task_a_stack", "thread@task_b_stack"]
    assert (by_context["thread@task_b_stack"].max, by_context["thread@task_b_stack"].inclusive_max) == (30, 30)
    assert (by_context["thread@task_a_stack"].max, by_context["thread@task_a_stack"].inclusive_max) == (150, 1000)
    assert sorted(r.context for r in detector.calls()) == ["thread@task_a_stack", "thread@task_b_stack"]


def test_a_thread_stack_no_object_holds_is_named_by_its_first_stack_pointer():
    b = call("pool_alloc", 500, 2)
    names = {s.context for s in feed(switch(100, A_SP, B_SP) + [b, ret(b, 530)]).stats()}
    assert names == {f"thread@{B_SP:#x}"}


def test_returning_to_the_stack_that_was_interrupted_is_no_switch_and_keeps_the_thread_name():
    c = call("pool_alloc", 0, 1)
    events = [c, enter(100, A_SP, SYSTICK), leave(150, A_SP, "SysTick_Handler"), ret(c, 200)]
    [stats] = feed(events, stack_name).stats()
    assert (stats.context, stats.max, stats.inclusive_max) == ("thread", 150, 200)


def test_a_cycle_budget_is_checked_against_the_exclusive_figure_not_the_wall_time():
    rules = parse_rules(DEFAULT_PATH.read_text() + "[budgets.cycles.pool_alloc]\nmax = 500\n")
    c = call("pool_alloc", 0, 1)
    events = [c] + switch(100, A_SP, B_SP) + switch(5150, B_SP, A_SP) + [ret(c, 5260)]
    detector = feed(events, rules=rules)
    assert detector.findings() == ()
    [stats] = detector.stats()
    assert (stats.max, stats.p99, stats.inclusive_p99, stats.inclusive_max) == (160, 160, 5260, 5260)
    over = parse_rules(DEFAULT_PATH.read_text() + "[budgets.cycles.pool_alloc]\nmax = 100\n")
    [finding] = feed(events, stack_name, over).findings()
    assert finding.context == THREAD and "in thread@task_a_stack: max 160 cycles" in finding.message


def test_run_detectors_passes_the_stack_namer_to_the_cycle_statistics():
    b = call("pool_alloc", 500, 2)
    results = run_detectors(switch(100, A_SP, B_SP) + [b, ret(b, 530)], RULES, stack_name)
    assert [s.context for s in results.allocations] == ["thread@task_b_stack"]


def test_the_object_namer_names_sized_data_objects_only():
    symbols = [Symbol("task_a_stack", 0x20001000, 0x1000, "object"),
               Symbol("main", 0x20001800, 0x10, "func"), Symbol("marker", 0x20003000, 0, "object")]
    name_at = object_namer(symbols)
    assert [name_at(a) for a in (0x20001000, 0x20001FFF, 0x20002000, 0x20003000, 0x100)] == [
        "task_a_stack", "task_a_stack", None, None, None]


def test_an_abandoned_call_is_forgotten_and_gets_no_statistics():
    c = call("pool_alloc", 0, 1)
    gone = CallAbandoned(cycle=50, call_id=1, function="pool_alloc", reason="stack-unwound", context=THREAD)
    detector = feed([c] + switch(10, A_SP, B_SP) + [gone, ret(c, 90)])
    assert (detector.open, detector.preempted, detector.stats()) == ({}, {}, ())
