"""Cortex-M exception-model conformance: one tiny firmware image per Cortex-M-specific behaviour.

Behaviours both ISAs share (nesting, masking, periodic timers, system calls, faults, deadlock,
exit codes, image rejection) are rows of tests/behaviours.py, run by test_shared_behaviour.py.
"""
from __future__ import annotations

import struct

import pytest

from armfw import FINISH as EXIT0, enable_irq, machine, pend_irq
from emulator.events import Fault, InterruptEntered, InterruptExited

FLAGS = 0x20000000                  # test images record what happened here, one word per slot


def run(tmp_path, source, handlers, max_cycles=2_000_000):
    m = machine(tmp_path, source + EXIT0, handlers)
    result = m.run(max_cycles=max_cycles, timeout=20)
    return m, result


def words(m, count, base=FLAGS):
    return struct.unpack(f"<{count}I", m.read(base, 4 * count))


def entered(result):
    return [e for e in result.events if isinstance(e, InterruptEntered)]


def exited(result):
    return [e for e in result.events if isinstance(e, InterruptExited)]


def test_systick_interrupts_arrive_exactly_every_reload_plus_one_cycles(tmp_path):
    source = """
reset:
  ldr r0, =0xE000EDFC
  ldr r1, =0x01000000
  str r1, [r0]              @ DEMCR.TRCENA: the DWT counts only with it (C1.6.5)
  ldr r0, =0xE0001000
  movs r1, #1
  str r1, [r0]              @ DWT CYCCNTENA
  ldr r0, =0xE000E010
  ldr r1, =4999
  str r1, [r0, #4]
  movs r1, #0
  str r1, [r0, #8]
  movs r1, #7
  str r1, [r0]
  ldr r5, =0x20000000
  movs r4, #0
idle:
  wfi
  cmp r4, #4
  blt idle
  b finish
systick:
  ldr r0, =0xE0001004
  ldr r0, [r0]              @ CYCCNT at handler start
  str r0, [r5, r4, lsl #2]
  adds r4, #1
  bx lr
"""
    m, result = run(tmp_path, source, {15: "systick"})
    assert result.reason == "exit" and result.code == 0
    starts = [e.cycle for e in entered(result)]
    assert [b - a for a, b in zip(starts, starts[1:])] == [5000, 5000, 5000]
    stamps = words(m, 4)
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [5000, 5000, 5000]


def test_cmsdk_timer0_raises_irq8_with_its_reload_period(tmp_path):
    source = f"""
reset:
{enable_irq(8, 0x40)}
  ldr r0, =0x40000000
  ldr r1, =2999
  str r1, [r0, #8]          @ RELOAD (also loads VALUE)
  movs r1, #9
  str r1, [r0]              @ enable + IRQ enable
  movs r4, #0
idle:
  wfi
  cmp r4, #3
  blt idle
  b finish
timer0:
  ldr r0, =0x40000000
  movs r1, #1
  str r1, [r0, #12]         @ INTCLEAR
  adds r4, #1
  bx lr
"""
    _, result = run(tmp_path, source, {24: "timer0"})
    assert result.reason == "exit"
    starts = [e.cycle for e in entered(result)]
    assert len(starts) == 3 and all(e.number == 24 and e.name == "IRQ8" for e in entered(result))
    assert [b - a for a, b in zip(starts, starts[1:])] == [3000, 3000]


def test_dwt_cyccnt_counts_the_cycle_model(tmp_path):
    source = """
reset:
  ldr r0, =0xE000EDFC
  ldr r1, =0x01000000
  str r1, [r0]              @ DEMCR.TRCENA (C1.6.5)
  ldr r0, =0xE0001000
  movs r1, #1
  str r1, [r0]
  ldr r2, [r0, #4]          @ CYCCNT before
  movs r3, #1               @ 1
  adds r3, #1               @ 1
  mul r3, r3, r3            @ 1
  push {r4, r5, r6}         @ 1+3
  pop {r4, r5, r6}          @ 1+3
  ldr r4, [r0, #4]          @ CYCCNT after
  subs r4, r4, r2
  ldr r5, =0x20000000
  str r4, [r5]
  b finish
"""
    m, result = run(tmp_path, source, {})
    assert result.reason == "exit"
    # first ldr 2 (nothing pipelines after a STR, TRM 3.3.2) + movs 1 + adds 1 + mul 1
    # + push 1+3 + pop 1+3 (table 3-1)
    assert words(m, 1)[0] == 2 + 1 + 1 + 1 + 4 + 4


def test_same_priority_does_not_preempt_and_tail_chains(tmp_path):
    source = f"""
reset:
{enable_irq(0, 0x40)}
{enable_irq(1, 0x40)}
{pend_irq(0)}
  b finish
first:
{pend_irq(1)}
  ldr r2, =0x20000000
  ldr r3, [r2]              @ second must not have run yet
  str r3, [r2, #4]
  bx lr
second:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2]
  bx lr
"""
    m, result = run(tmp_path, source, {16: "first", 17: "second"})
    assert words(m, 2) == (1, 0)
    ex, en = exited(result), entered(result)
    assert ex[0].tail_chained_to == 17 and en[1].tail_chained
    assert en[1].cycle == ex[0].cycle            # no unstack/restack between the two handlers
    assert en[1].context.depth == 1 and len(ex) == 2


def test_tail_chain_costs_six_cycles_instead_of_exit_plus_entry(tmp_path):
    source = f"""
reset:
  cpsid i
{enable_irq(0, 0x40)}
{enable_irq(1, 0x60)}
{pend_irq(0)}
{pend_irq(1)}
  cpsie i
  b finish
a:
  bx lr
b:
  bx lr
"""
    _, result = run(tmp_path, source, {16: "a", 17: "b"})
    en, ex = entered(result), exited(result)
    assert [e.number for e in en] == [16, 17]
    # handler a: 'bx lr' = 1+P = 3 cycles, then tail-chain 6 cycles straight into b
    assert en[1].cycle - en[0].cycle == 3 + 6
    assert ex[1].cycle - en[1].cycle == 3 + 10      # b's bx lr then a 10-cycle exception return


def test_primask_holds_an_irq_pending_until_cpsie(tmp_path):
    source = f"""
reset:
  cpsid i
{enable_irq(3, 0x40)}
{pend_irq(3)}
  ldr r2, =0x20000000
  ldr r3, [r2]
  str r3, [r2, #4]          @ handler has not run while masked
  cpsie i
  ldr r3, [r2]
  str r3, [r2, #8]          @ ... and has run right after cpsie
  b finish
h:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2]
  bx lr
"""
    m, result = run(tmp_path, source, {19: "h"})
    assert words(m, 3) == (1, 0, 1)
    assert not entered(result)[0].context.masked


def test_basepri_masks_lower_priorities_only(tmp_path):
    source = f"""
reset:
  movs r0, #0x40
  msr basepri, r0
{enable_irq(0, 0x60)}
{enable_irq(1, 0x20)}
{pend_irq(0)}
{pend_irq(1)}
  ldr r2, =0x20000000
  ldr r3, [r2]
  str r3, [r2, #8]          @ IRQ0 (0x60) held
  ldr r3, [r2, #4]
  str r3, [r2, #12]         @ IRQ1 (0x20) taken
  movs r0, #0
  msr basepri, r0
  ldr r3, [r2]
  str r3, [r2, #16]         @ IRQ0 taken once BASEPRI is cleared
  b finish
irq0:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2]
  bx lr
irq1:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2, #4]
  bx lr
"""
    m, _ = run(tmp_path, source, {16: "irq0", 17: "irq1"})
    assert words(m, 5) == (1, 1, 0, 1, 1)


def test_thread_on_psp_gets_its_frame_on_psp_and_handler_runs_on_msp(tmp_path):
    source = f"""
reset:
  ldr r0, =0x20008004       @ PSP deliberately 4 mod 8: the frame needs the alignment pad
  msr psp, r0
  movs r0, #2
  msr control, r0
  isb
{enable_irq(0, 0x40)}
  ldr r7, =0x12345678
  mov r0, r7
{pend_irq(0)}
  mrs r1, psp
  ldr r2, =0x20000000
  str r1, [r2, #12]         @ PSP after return
  mrs r1, control
  str r1, [r2, #16]
  b finish
h:
  ldr r2, =0x20000000
  mrs r1, psp
  str r1, [r2]              @ PSP inside the handler = frame address
  mov r1, sp
  str r1, [r2, #4]          @ SP in the handler = MSP
  mrs r1, psp
  ldr r3, [r1, #28]
  str r3, [r2, #8]          @ stacked xPSR
  bx lr
"""
    m, result = run(tmp_path, source, {16: "h"})
    frame, handler_sp, xpsr, psp_after, control = words(m, 5)
    assert frame == 0x20008004 - 4 - 32                      # padded to 8 bytes, 8 words
    assert handler_sp == 0x20010000                          # MSP untouched by the frame
    assert xpsr & (1 << 9)                                   # STKALIGN pad recorded
    assert psp_after == 0x20008004 and control == 2
    assert entered(result)[0].sp == 0x20010000


def relocate_vectors(irq0: str) -> str:
    """Thumb: copy the 48 vectors to RAM at 0x20001000 with IRQ0 -> ``irq0``, then set VTOR."""
    return f"""  ldr r0, =0x20001000
  movs r1, #0
copy:
  ldr r2, [r1]
  str r2, [r0, r1]
  adds r1, #4
  cmp r1, #192
  blt copy
  ldr r2, ={irq0}+1
  str r2, [r0, #64]
  ldr r1, =0xE000ED08
  str r0, [r1]
"""


def test_vtor_relocates_the_vector_table(tmp_path):
    source = f"""
reset:
{relocate_vectors('moved')}{enable_irq(0, 0x40)}
{pend_irq(0)}
  b finish
orig:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2]
  bx lr
moved:
  ldr r2, =0x20000000
  movs r3, #2
  str r3, [r2]
  bx lr
"""
    m, _ = run(tmp_path, source, {16: "orig"})
    assert words(m, 1) == (2,)


def test_a_handler_keeps_its_name_when_the_vector_table_moves_under_it(tmp_path):
    """Context names the handler each exception entered, not what its vector says now: 'low'
    moves VTOR to a RAM copy whose IRQ0 is 'other', then pends 'high', which nests."""
    source = f"""
reset:
{enable_irq(0, 0x80)}{enable_irq(1, 0x20)}{pend_irq(0)}
  b finish
low:
{relocate_vectors('other')}{pend_irq(1)}
  bx lr
high:
  bx lr
other:
  bx lr
"""
    _, result = run(tmp_path, source, {16: "low", 17: "high"})
    trace = [("+" + ">".join(e.context.chain)) if isinstance(e, InterruptEntered) else "-" + e.handler
             for e in result.events if isinstance(e, (InterruptEntered, InterruptExited))]
    assert trace == ["+low", "+low>high", "-high", "-low"]
    assert [e.context.chain for e in result.events if isinstance(e, InterruptExited)] == [("low",), ()]


def test_svc_enters_svcall_and_returns_after_the_svc(tmp_path):
    source = """
reset:
  movs r0, #41
  svc #7
  ldr r2, =0x20000000
  str r0, [r2, #4]          @ r0 as returned through the frame
  b finish
svcall:
  ldr r2, =0x20000000
  mrs r1, ipsr
  str r1, [r2]
  ldr r1, [sp]              @ stacked r0
  adds r1, #1
  str r1, [sp]              @ return value through the frame
  bx lr
"""
    m, result = run(tmp_path, source, {11: "svcall"})
    assert words(m, 2) == (11, 42)
    assert entered(result)[0].name == "SVCall"


def test_pendsv_set_in_icsr_is_taken_at_the_next_instruction(tmp_path):
    source = """
reset:
  ldr r0, =0xE000ED04
  ldr r1, =0x10000000
  str r1, [r0]              @ ICSR.PENDSVSET
  ldr r2, =0x20000000
  ldr r3, [r2]
  str r3, [r2, #4]
  b finish
pendsv:
  ldr r2, =0x20000000
  movs r3, #1
  str r3, [r2]
  bx lr
"""
    m, result = run(tmp_path, source, {14: "pendsv"})
    assert words(m, 2) == (1, 1)
    assert entered(result)[0].name == "PendSV"


def test_wfi_skips_the_clock_to_the_next_timer_event(tmp_path):
    source = """
reset:
  ldr r0, =0xE000E010
  ldr r1, =0xFFFFFF
  str r1, [r0, #4]
  movs r1, #0
  str r1, [r0, #8]
  movs r1, #7
  str r1, [r0]
  wfi
  b finish
systick:
  bx lr
"""
    _, result = run(tmp_path, source, {15: "systick"}, max_cycles=50_000_000)
    assert result.reason == "exit"
    assert entered(result)[0].cycle > 0xFFFFFF and result.instructions < 50


def test_a_runaway_loop_stops_at_the_cycle_budget(tmp_path):
    _, result = run(tmp_path, "reset:\n  adds r0, #1\n  b reset\n", {}, max_cycles=100_000)
    assert result.reason == "budget" and 100_000 <= result.cycles < 100_010


FAULTS = [
    ("unmapped-read", "  ldr r0, =0x50000000\n  ldr r1, [r0]\n"),
    ("unmapped-write", "  ldr r0, =0x50000000\n  str r1, [r0]\n"),
    ("unmapped-fetch", "  ldr r0, =0x50000001\n  bx r0\n"),
    ("undefined-instruction", "  udf #0\n"),
    ("bad-exc-return", "  svc #0\n"),
]


@pytest.mark.parametrize("kind,code", FAULTS, ids=[k for k, _ in FAULTS])
def test_faults_are_reported_with_kind_and_location(tmp_path, kind, code):
    source = f"reset:\n{code}  b finish\nsvcall:\n  ldr r0, =0xFFFFFFF5\n  bx r0\n"
    _, result = run(tmp_path, source, {11: "svcall"})
    faults = [e for e in result.events if isinstance(e, Fault)]
    assert result.reason == "fault" and faults[0].kind == kind
    assert faults[0].location.startswith(("reset", "svcall", "0x5"))


def test_a_fault_enters_the_firmware_hardfault_handler_when_it_has_one(tmp_path):
    source = "reset:\n  udf #0\n  b finish\nhardfault:\n  movs r0, #0x18\n  ldr r1, =0x20023\n  bkpt #0xab\n"
    _, result = run(tmp_path, source, {3: "hardfault"})
    assert [e.kind for e in result.events if isinstance(e, Fault)] == ["undefined-instruction"]
    assert entered(result)[0].name == "HardFault" and result.reason == "exit" and result.code == 1


def test_two_runs_of_the_same_image_are_identical(tmp_path):
    source = """
reset:
  ldr r0, =0xE000E010
  ldr r1, =777
  str r1, [r0, #4]
  movs r1, #7
  str r1, [r0]
  movs r4, #0
spin:
  adds r5, #3
  cmp r4, #20
  blt spin
  b finish
systick:
  adds r4, #1
  bx lr
"""
    first = run(tmp_path, source, {15: "systick"})[1]
    second = run(tmp_path, source, {15: "systick"})[1]
    assert first.events == second.events and first.cycles == second.cycles


def test_a_hardfault_handler_spinning_forever_ends_the_run_at_once_as_a_fault(tmp_path):
    _, result = run(tmp_path, "reset:\n  udf #0\n  b finish\nhardfault:\n  b hardfault\n", {3: "hardfault"},
                    max_cycles=10**12)
    assert result.reason == "fault" and "hardfault" in result.message and result.cycles < 100


def test_a_hardfault_handler_returning_to_the_faulting_instruction_ends_the_run(tmp_path):
    source = "reset:\n  udf #0\n  b finish\nhardfault:\n  bx lr\n"
    _, result = run(tmp_path, source, {3: "hardfault"}, max_cycles=10**12)
    assert result.reason == "fault" and "4 faults in a row at reset without progress" in result.message
    assert result.cycles < 500 and sum(isinstance(e, Fault) for e in result.events) == 4


def test_a_handler_that_fixes_the_cause_and_retries_is_progress(tmp_path):
    source = """
reset:
  ldr r4, =0x60000000       @ unmapped: the first load faults
  ldr r0, [r4]
  b finish
hardfault:
  ldr r4, =0x20000000       @ the handler points r4 at RAM, then retries the load
  mrs r0, msp
  str r4, [r0, #0]          @ (r4 is not stacked: set it directly)
  bx lr
"""
    _, result = run(tmp_path, source, {3: "hardfault"}, max_cycles=10**7)
    assert result.reason == "exit"


def test_firmware_that_forgets_trcena_reads_a_still_cyccnt_and_demcr_reads_back(tmp_path):
    source = """
reset:
  ldr r0, =0xE0001000
  movs r1, #1
  str r1, [r0]              @ CYCCNTENA, but DEMCR.TRCENA is 0 out of reset
  ldr r2, [r0, #4]
  nop
  nop
  ldr r3, [r0, #4]
  ldr r4, =0xE000EDFC
  ldr r6, =0x01000001
  str r6, [r4]              @ TRCENA | VC_CORERESET
  ldr r6, [r4]
  ldr r5, =0x20000000
  str r2, [r5]
  str r3, [r5, #4]
  str r6, [r5, #8]
  b finish
"""
    m, result = run(tmp_path, source, {})
    assert result.reason == "exit"
    assert words(m, 3) == (0, 0, 0x01000001)
