"""Call and stack probes: range-limited hooks produce exact CallEntered/StackWrite events.

Every behaviour is checked on both implementations: the Python hooks (probes.py) and the C
hooks whose records Python drains (nativeprobes.py).
"""
from __future__ import annotations

import pytest

from armfw import FINISH, machine
from emulator.events import (CallEntered, CallReturned, InterruptEntered, InterruptExited,
                             StackSample, StackWrite)
from emulator.probes.native import RECORDS, NativeCallProbe, NativeStackProbe
from emulator.probes.calls import CallProbe, StackProbe

KINDS = {"python": (CallProbe, StackProbe), "native": (NativeCallProbe, NativeStackProbe)}


@pytest.fixture(params=sorted(KINDS))
def kind(request, monkeypatch):
    """The probe classes under test (the native ones need the native clock)."""
    monkeypatch.setenv("FWSANDBOX_CLOCK", "native")
    return KINDS[request.param]

SOURCE = """
reset:
  ldr r0, =0x20008000
  msr psp, r0
  movs r0, #2
  msr control, r0           @ thread on PSP; handlers on MSP (the interrupt stack)
  isb
  ldr r0, =0xE000E100
  movs r1, #1
  str r1, [r0]              @ enable IRQ0
  movs r0, #5
  bl alloc                  @ thread-context call
  ldr r0, =0xE000E200
  movs r1, #1
  str r1, [r0]              @ pend IRQ0
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
alloc:
  push {r4, lr}
  adds r0, #1
  pop {r4, pc}
irq0:
  push {r4-r7, lr}
  sub sp, #{frame}
  movs r0, #9
  bl alloc
  add sp, #{frame}
  pop {r4-r7, pc}
"""
BASE, TOP = 0x2000FF00, 0x20010000          # a 256-byte interrupt stack under the initial MSP


def probed(tmp_path, frame, kind):
    call_probe, stack_probe = kind
    m = machine(tmp_path, SOURCE.replace("{frame}", str(frame)), {16: "irq0"})
    call_probe(m, ["alloc"])
    stack_probe(m, "isr", BASE, TOP)
    return m, m.run(max_cycles=100_000, timeout=10)


def test_calls_are_seen_with_arguments_context_and_return_values(tmp_path, kind):
    _, result = probed(tmp_path, 16, kind)
    calls = [e for e in result.events if isinstance(e, CallEntered)]
    rets = [e for e in result.events if isinstance(e, CallReturned)]
    assert [(c.args[0], c.context.name, c.call_site.split("+")[0]) for c in calls] == [
        (5, "thread", "reset"), (9, "irq0", "irq0")]
    assert [(r.call_id, r.value) for r in rets] == [(1, 6), (2, 10)]
    # push {r4,lr} 3 + adds 1 + pop {r4,pc} 1+2+P, P = 3 for a PC loaded from memory (Cortex-M4
    # TRM 3.3.2) = 10 cycles from entry to return
    assert rets[0].cycle - calls[0].cycle == 3 + 1 + (1 + 2 + 3)


def test_an_isr_frame_that_fits_leaves_only_a_high_water_mark(tmp_path, kind):
    _, result = probed(tmp_path, 16, kind)
    assert not [e for e in result.events if isinstance(e, StackWrite)]
    sample = [e for e in result.events if isinstance(e, StackSample)][-1]
    # the frame went to the thread's PSP; on MSP: push of 5 registers, 16 bytes, push {r4, lr}
    assert sample.lowest == TOP - 20 - 16 - 8


def test_an_isr_frame_that_overflows_is_reported_at_the_first_write_below_base(tmp_path, kind):
    _, result = probed(tmp_path, 240, kind)
    writes = [e for e in result.events if isinstance(e, StackWrite)]
    # 'sub sp' writes nothing: the first write below the base is alloc's push, called from irq0
    assert writes and writes[0].context.name == "irq0" and writes[0].location == "alloc"
    assert writes[0].address == TOP - 20 - 240 - 8 and writes[0].address < BASE


def test_a_conditional_return_that_is_not_taken_does_not_end_the_call(tmp_path, kind):
    source = """
reset:
  movs r0, #3
  bl maybe
  movs r0, #0
  bl maybe
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
maybe:
  cmp r0, #0
  it eq
  bxeq lr
  adds r0, #1
  adds r0, #1
  bx lr
"""
    m = machine(tmp_path, source, {})
    kind[0](m, ["maybe"])
    result = m.run(max_cycles=10_000, timeout=10)
    rets = [e for e in result.events if isinstance(e, CallReturned)]
    assert [(r.call_id, r.value) for r in rets] == [(1, 5), (2, 0)]


def test_a_function_whose_first_instruction_returns_is_entered_then_returned(tmp_path, kind):
    """One instruction is both the entry site and a return site: entry is handled first."""
    source = """
reset:
  movs r0, #7
  bl stub
  bl stub
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
stub:
  bx lr
"""
    m = machine(tmp_path, source)
    kind[0](m, ["stub"])
    result = m.run(max_cycles=10_000, timeout=10)
    calls = [(type(e).__name__, e.call_id) for e in result.events
             if isinstance(e, (CallEntered, CallReturned))]
    assert calls == [("CallEntered", 1), ("CallReturned", 1), ("CallEntered", 2), ("CallReturned", 2)]


def test_condition_passed_follows_the_apsr_flags():
    from emulator.arch.arm.traps import condition_passed
    Z, C, N, V = 4, 2, 8, 1
    assert condition_passed(1, Z) and not condition_passed(2, Z)          # EQ / NE
    assert condition_passed(9, C) and not condition_passed(9, C | Z)      # HI
    assert condition_passed(11, N | V) and condition_passed(12, N)        # GE / LT
    assert condition_passed(13, 0) and condition_passed(14, Z)            # GT / LE
    assert condition_passed(15, 0)                                        # AL


def test_a_frame_pushed_on_a_thread_stack_just_below_the_interrupt_stack_is_not_its_use(tmp_path, kind):
    # The thread's PSP stack ends where the interrupt stack begins: IRQ0's hardware frame goes
    # to PSP, inside the guard region below BASE, and is not interrupt-stack use at all.
    source = SOURCE.replace("{frame}", "16").replace("=0x20008000", f"=0x{BASE:08x}")
    m = machine(tmp_path, source, {16: "irq0"})
    kind[1](m, "isr", BASE, TOP)
    result = m.run(max_cycles=100_000, timeout=10)
    assert result.reason == "exit"
    assert not [e for e in result.events if isinstance(e, StackWrite)]


def test_more_calls_than_the_record_buffer_holds_between_two_python_edges(tmp_path, kind):
    # No interrupt, MMIO or other Python hook in the loop: the native probe's buffer fills
    # and is drained from C; every call is still seen, in order, with its own cycles.
    calls = RECORDS + 300
    source = f"""
reset:
  movs r4, #0
  ldr r5, ={calls}
again:
  mov r0, r4
  bl leaf
  adds r4, #1
  cmp r4, r5
  blt again
  b finish
leaf:
  adds r0, #1
  bx lr
""" + FINISH
    m = machine(tmp_path, source, {})
    kind[0](m, ["leaf"])
    result = m.run(max_cycles=1_000_000, timeout=20)
    entered = [e for e in result.events if isinstance(e, CallEntered)]
    returned = [e for e in result.events if isinstance(e, CallReturned)]
    assert [e.args[0] for e in entered] == list(range(calls))
    assert [r.value for r in returned] == [n + 1 for n in range(calls)]
    # adds 1 + bx lr 1+P(2): every call 4 cycles; one loop iteration 4 + mov, adds, cmp, blt, bl
    assert {r.cycle - e.cycle for e, r in zip(entered, returned)} == {4}
    assert len({b.cycle - a.cycle for a, b in zip(entered, entered[1:])}) == 1


def test_a_probed_machine_is_freed_once_dropped(tmp_path, kind):
    # `check` runs hundreds of images per worker: nothing may keep a finished machine alive.
    import gc
    import weakref
    m, _ = probed(tmp_path, 16, kind)
    gone = weakref.ref(m)
    del m
    gc.collect()
    assert gone() is None


def test_a_sink_gets_the_events_of_the_classes_it_subscribed_to_in_order(tmp_path):
    m = machine(tmp_path, SOURCE.replace("{frame}", "16"), {16: "irq0"})
    CallProbe(m, ["alloc"])
    calls, interrupts, everything = [], [], []
    m.subscribe(calls.append, CallEntered, CallReturned)
    m.subscribe(interrupts.append, InterruptEntered, InterruptExited)
    m.subscribe(everything.append)
    events = m.run(max_cycles=100_000, timeout=10).events
    assert everything == events
    assert calls == [e for e in events if isinstance(e, (CallEntered, CallReturned))] != []
    assert interrupts == [e for e in events if isinstance(e, (InterruptEntered, InterruptExited))]
    assert [type(e) for e in interrupts] == [InterruptEntered, InterruptExited]


def test_events_no_sink_takes_go_straight_to_the_event_list(tmp_path):
    m = machine(tmp_path, SOURCE.replace("{frame}", "16"), {16: "irq0"})
    assert m.emitters[CallEntered] == m.events.append
    seen = []
    m.subscribe(seen.append, CallEntered)
    assert m.emitters[CallEntered] == m.emit and m.emitters[CallReturned] == m.events.append
    CallProbe(m, ["alloc"])
    m.run(max_cycles=100_000, timeout=10)
    assert seen == [e for e in m.events if isinstance(e, CallEntered)] != []
