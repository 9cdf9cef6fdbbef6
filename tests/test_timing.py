"""Interrupt timing detectors on hand-written event lists: handler path length, latency, masked sections, budgets."""
from __future__ import annotations

from emulator.detectors import run_detectors
from emulator.detectors.handlers import HandlerCycles
from emulator.detectors.latency import InterruptLatency
from emulator.detectors.masked import MaskedSections
from emulator.events import (THREAD, Context, InterruptEntered, InterruptExited, InterruptPended,
                             MaskChanged, RunEnded)
from emulator.rules.model import parse_rules

TICK = Context("SysTick_Handler", 15, 1, ("SysTick_Handler",))
TIMER = Context("TIMER0_Handler", 24, 1, ("TIMER0_Handler",))
NESTED = Context("SysTick_Handler", 15, 2, ("TIMER0_Handler", "SysTick_Handler"))


NAMES = {14: "PendSV", 15: "SysTick", 24: "IRQ8"}


def enter(cycle, ctx, number, entry=12, tail=False, where="main+0x20"):
    return InterruptEntered(cycle, number, NAMES[number], ctx.handler, ctx, 0x2000F000, 0x200,
                            tail, where, 0 if tail else entry)


def leave(cycle, number, handler, back=THREAD, tail_to=None):
    return InterruptExited(cycle, number, handler, back, 0x200, tail_to)


def mask(cycle, masked, location, ctx=THREAD):
    return MaskChanged(cycle, masked, 0x400, location, "PRIMASK", ctx)


def feed(detector, events):
    for event in events:
        detector.on_event(event)
    return detector


def test_a_handler_path_leaves_out_the_interrupt_nested_in_it():
    events = [enter(112, TIMER, 24), enter(162, NESTED, 15), leave(200, 15, "SysTick_Handler", TIMER),
              leave(300, 24, "TIMER0_Handler")]
    stats = {s.handler: s for s in feed(HandlerCycles(), events).stats()}
    timer = stats["TIMER0_Handler"]
    assert (timer.calls, timer.max, timer.inclusive_max) == (1, 188 - 50, 188)
    assert stats["SysTick_Handler"].max == 38


def test_handler_percentiles_and_the_slowest_invocation():
    events = []
    for i, length in enumerate([10] * 98 + [50, 40]):
        start = 1000 * i + 12
        events += [enter(start, TICK, 15, where=f"main+{i:#x}"), leave(start + length, 15, "SysTick_Handler")]
    tick = feed(HandlerCycles(), events).stats()[0]
    assert (tick.calls, tick.min, tick.p50, tick.p99, tick.max) == (100, 10, 10, 40, 50)
    assert (tick.max_cycle, tick.max_at) == (98 * 1000 + 12, "main+0x62")


def test_a_tail_chained_nested_pair_is_one_nested_span():
    other = Context("PendSV_Handler", 14, 2, ("TIMER0_Handler", "PendSV_Handler"))
    events = [enter(12, TIMER, 24), enter(62, NESTED, 15), leave(80, 15, "SysTick_Handler", other, 14),
              enter(80, other, 14, tail=True), leave(100, 14, "PendSV_Handler", TIMER),
              leave(150, 24, "TIMER0_Handler")]
    stats = {s.handler: s for s in feed(HandlerCycles(), events).stats()}
    assert stats["TIMER0_Handler"].max == 138 - (100 - 50)
    assert stats["PendSV_Handler"].max == 20


def test_an_invocation_open_at_the_end_is_counted_open_only():
    events = [enter(12, TICK, 15), RunEnded(40, 10, "exit", 0)]
    tick = feed(HandlerCycles(), events).stats()[0]
    assert (tick.calls, tick.open) == (0, 1)


def test_latency_is_pending_to_the_handler_first_instruction():
    events = [InterruptPended(100, 15, "SysTick"), enter(112, TICK, 15), leave(150, 15, "SysTick_Handler")]
    stats = feed(InterruptLatency(), events).stats()[0]
    assert (stats.count, stats.max, stats.cause) == (1, 12, "exception entry only")


def test_the_worst_latency_names_the_masked_section_that_held_it():
    events = [mask(90, True, "pool_alloc+0x4"), InterruptPended(100, 15, "SysTick"),
              mask(140, False, "pool_alloc+0x14"), enter(152, TICK, 15), leave(170, 15, "SysTick_Handler")]
    stats = feed(InterruptLatency(), events).stats()[0]
    assert stats.max == 52
    assert stats.cause == "masked by PRIMASK at pool_alloc+0x4 (40 cycles)"


def test_the_worst_latency_names_the_handler_it_waited_behind():
    events = [enter(12, TIMER, 24), InterruptPended(20, 15, "SysTick"),
              leave(80, 24, "TIMER0_Handler", TICK, tail_to=15), enter(80, TICK, 15, tail=True),
              leave(100, 15, "SysTick_Handler")]
    stats = feed(InterruptLatency(), events).stats()[0]
    assert (stats.max, stats.cause) == (60, "behind TIMER0_Handler (60 cycles)")


def test_a_taking_without_a_pending_record_is_unmeasured_not_dropped():
    stats = feed(InterruptLatency(), [enter(12, TICK, 15), leave(20, 15, "SysTick_Handler")]).stats()[0]
    assert (stats.count, stats.unmeasured) == (0, 1)


def test_masked_sections_per_function_and_the_longest():
    events = [mask(10, True, "pool_alloc+0x4"), mask(19, False, "pool_alloc+0x14"),
              mask(50, True, "pool_alloc+0x4"), mask(59, False, "pool_alloc+0x14"),
              mask(100, True, "page_alloc+0x6"), mask(100, True, "page_alloc+0x8"),
              mask(130, False, "page_alloc+0x20")]
    detector = feed(MaskedSections(), events)
    stats = {s.function: s for s in detector.stats()}
    assert (stats["pool_alloc"].sections, stats["pool_alloc"].mean, stats["pool_alloc"].max) == (2, 9.0, 9)
    assert (stats["page_alloc"].max, stats["page_alloc"].max_at) == (30, "page_alloc+0x6")
    assert detector.longest()[0].cycles == 30


def test_a_section_its_handler_exception_return_closes_is_dropped():
    in_handler = Context("ext_handler", 20, 1, ("ext_handler",), masked=False)
    events = [mask(10, True, "ext_handler+0x80", in_handler), leave(20, 20, "ext_handler", THREAD)]
    assert feed(MaskedSections(), events).stats() == ()


def test_a_section_open_at_the_end_closes_at_the_run_end():
    detector = feed(MaskedSections(), [mask(10, True, "main+0x4"), RunEnded(50, 10, "exit", 0)])
    assert detector.longest()[0].end == "run end" and detector.longest()[0].cycles == 40


BUDGETS = """
[budgets]
isr_cycles = {default = 100, TIMER0_Handler = 20}
masked_cycles = 8
latency_cycles = {systick = 10}
"""


def test_budgets_fail_with_a_finding_naming_the_worst_instance():
    rules = parse_rules(BUDGETS)
    events = [mask(10, True, "pool_alloc+0x4"), InterruptPended(12, 15, "SysTick"),
              mask(19, False, "pool_alloc+0x14"), enter(31, TICK, 15), leave(60, 15, "SysTick_Handler"),
              enter(112, TIMER, 24), leave(140, 24, "TIMER0_Handler"), RunEnded(200, 100, "exit", 0)]
    found = {f.kind: f for f in run_detectors(events, rules).findings}
    assert set(found) == {"isr-cycles", "masked-cycles", "latency-cycles"}
    assert found["isr-cycles"].function == "TIMER0_Handler" and found["isr-cycles"].cycle == 112
    assert dict(found["masked-cycles"].details)["value"] == 9
    assert "masked by PRIMASK at pool_alloc+0x4 (7 cycles)" in found["latency-cycles"].message


def test_budgets_within_their_limits_find_nothing():
    rules = parse_rules("[budgets]\nisr_cycles = 1000\nmasked_cycles = 1000\nlatency_cycles = 1000\n")
    events = [InterruptPended(0, 15, "SysTick"), enter(12, TICK, 15), leave(60, 15, "SysTick_Handler")]
    assert run_detectors(events, rules).findings == ()


def test_a_book_e_acknowledgement_moves_latency_and_path_to_the_acknowledged_source():
    from emulator.events import InterruptAcknowledged
    ext = Context("ext_handler", 16, 1, ("ext_handler",), masked=True)
    pit = Context("pit0_handler", 75, 1, ("pit0_handler",), masked=True)
    events = [InterruptPended(100, 75, "INTC59"),
              InterruptEntered(104, 16, "IVOR4:0", "ext_handler", ext, 0x4000, 0x200, False,
                               "main+0x8", 4),
              InterruptAcknowledged(110, 75, "IVOR4:59", "pit0_handler", pit, 16, "ext_handler"),
              leave(300, 75, "pit0_handler")]
    latency = feed(InterruptLatency(), events).stats()
    assert [(s.name, s.handler, s.count, s.max, s.unmeasured) for s in latency] == [
        ("IVOR4:59", "pit0_handler", 1, 4, 0)]
    paths = feed(HandlerCycles(), events).stats()
    assert [(p.handler, p.calls, p.max) for p in paths] == [("pit0_handler", 1, 196)]
