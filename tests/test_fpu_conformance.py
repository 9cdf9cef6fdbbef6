"""Cortex-M FP context conformance (ARMv7-M ARM B1.5.6-B1.5.8): one tiny image per frame case.

Each image records what the architecture makes visible (EXC_RETURN, the frame, FPCCR, FPCAR,
CONTROL, the FP registers) in SRAM words; the tests compare them with the manual's values.
The gcc firmware in firmware/c/arm/fpu_demo.c covers the same cases against QEMU.
"""
from __future__ import annotations

import struct

from armfw import FINISH, enable_irq, machine, pend_irq
from emulator.events import Fault, InterruptEntered, StackSample
from emulator.probes.native import stack_probe

FLAGS = 0x20000000
ENABLE_FP = """
  ldr r0, =0xE000ED88       @ CPACR: CP10/CP11 full access
  ldr r1, =0x00F00000
  str r1, [r0]
  dsb
  isb
"""
FPCCR_LSPACT, FPCCR_THREAD, FPCCR_HFRDY = 1, 1 << 3, 1 << 4


def run(tmp_path, source, handlers):
    m = machine(tmp_path, source + FINISH, handlers)
    return m, m.run(max_cycles=1_000_000, timeout=20)


def words(m, count):
    return struct.unpack(f"<{count}I", m.read(FLAGS, 4 * count))


PSP_THREAD = f"""
reset:
{ENABLE_FP}
  ldr r0, =0x20008004       @ PSP 4 mod 8: the FP frame is always 8-byte aligned
  msr psp, r0
  movs r0, #2
  msr control, r0
  isb
{enable_irq(0, 0x40)}
  ldr r3, =0x11111111
  vmov s0, r3
  ldr r3, =0x22222222
  vmov s15, r3
  ldr r3, =0x00C00000       @ FPSCR.RMode = round towards zero
  vmsr fpscr, r3
{pend_irq(0)}
  ldr r2, =0x20000000
  vmov r1, s0
  str r1, [r2, #16]
  vmov r1, s15
  str r1, [r2, #20]
  vmrs r1, fpscr
  str r1, [r2, #24]
  mrs r1, psp
  str r1, [r2, #28]
  mrs r1, control
  str r1, [r2, #32]
  ldr r0, =0xE000EF34
  ldr r1, [r0]
  str r1, [r2, #36]
  b finish
h:
  ldr r2, =0x20000000
  str lr, [r2]
  mrs r1, psp
  str r1, [r2, #4]
  ldr r0, =0xE000EF38
  ldr r1, [r0]
  str r1, [r2, #8]          @ FPCAR
  ldr r0, =0xE000EF34
  ldr r1, [r0]
  str r1, [r2, #12]         @ FPCCR before the handler's first FP instruction
  mrs r1, control
  str r1, [r2, #52]         @ CONTROL before it
  ldr r3, =0x99999999
  vmov s0, r3               @ the lazy save happens before this
  vmov s15, r3
  movs r3, #0
  vmsr fpscr, r3
  mrs r1, psp
  ldr r3, [r1, #0x20]
  str r3, [r2, #40]         @ the frame's s0 slot
  ldr r3, [r1, #0x5c]
  str r3, [r2, #44]         @ s15
  ldr r3, [r1, #0x60]
  str r3, [r2, #48]         @ FPSCR
  mrs r1, control
  str r1, [r2, #56]         @ CONTROL after: the first FP instruction set FPCA (ASPEN)
  bx lr
"""


def test_a_psp_thread_with_fp_context_gets_a_lazy_26_word_frame_and_exc_return_ed(tmp_path):
    m, result = run(tmp_path, PSP_THREAD, {16: "h"})
    exc_return, frame, fpcar, fpccr = words(m, 4)
    assert exc_return == 0xFFFFFFED
    assert frame == (0x20008004 - 0x68) & ~7
    assert fpcar == frame + 0x20
    assert fpccr & (FPCCR_LSPACT | FPCCR_THREAD | FPCCR_HFRDY) == FPCCR_LSPACT | FPCCR_THREAD | FPCCR_HFRDY
    assert result.reason == "exit"


def test_the_lazy_save_stores_the_thread_state_and_the_return_restores_it(tmp_path):
    m, _ = run(tmp_path, PSP_THREAD, {16: "h"})
    s0, s15, fpscr, psp, control, fpccr = words(m, 10)[4:10]
    slot_s0, slot_s15, slot_fpscr, handler_control, control_after_fp = words(m, 15)[10:15]
    assert (slot_s0, slot_s15, slot_fpscr) == (0x11111111, 0x22222222, 0x00C00000)
    assert (s0, s15, fpscr) == (0x11111111, 0x22222222, 0x00C00000)
    assert psp == 0x20008004
    assert handler_control == 0                   # B1.5.6: FPCA cleared in the handler
    assert control_after_fp == 0b100              # B1.4.7: set again by its first FP instruction
    assert control == 0b110                       # SPSEL and FPCA back from EXC_RETURN[4]
    assert not fpccr & FPCCR_LSPACT


def test_fp_registers_are_readable_through_the_machine_api(tmp_path):
    m, _ = run(tmp_path, PSP_THREAD, {16: "h"})
    assert (m.reg("s0"), m.reg("s15"), m.reg("fpscr")) == (0x11111111, 0x22222222, 0x00C00000)


NESTED = f"""
reset:
{ENABLE_FP}
{enable_irq(0, 0x80)}
{enable_irq(1, 0x40)}
  ldr r3, =0x33333333
  vmov s1, r3
{pend_irq(0)}
  ldr r2, =0x20000000
  vmov r1, s1
  str r1, [r2, #12]
  b finish
h0:
  ldr r3, =0x44444444
  vmov s1, r3               @ an FP context in the handler: the nested frame is extended too
{pend_irq(1)}
  ldr r2, =0x20000000
  vmov r1, s1
  str r1, [r2, #8]
  str lr, [r2, #16]
  bx lr
h1:
  ldr r2, =0x20000000
  str lr, [r2]
  mov r1, sp
  str r1, [r2, #4]
  ldr r3, =0x55555555
  vmov s1, r3
  bx lr
"""


def test_a_nested_handler_with_fp_context_gets_exc_return_e1_and_both_states_survive(tmp_path):
    m, result = run(tmp_path, NESTED, {16: "h0", 17: "h1"})
    nested_exc_return, nested_sp, h0_s1, thread_s1, outer_exc_return = words(m, 5)
    assert nested_exc_return == 0xFFFFFFE1 and outer_exc_return == 0xFFFFFFE9
    assert nested_sp == 0x20010000 - 0x68 - 0x68
    assert (h0_s1, thread_s1) == (0x44444444, 0x33333333)
    assert result.reason == "exit"


def test_the_stack_high_water_mark_counts_both_extended_frames(tmp_path):
    m = machine(tmp_path, NESTED + FINISH, {16: "h0", 17: "h1"})
    stack_probe(m, "isr", 0x2000F000, 0x20010000)
    result = m.run(max_cycles=1_000_000, timeout=20)
    samples = [e for e in result.events if isinstance(e, StackSample)]
    assert min(e.lowest for e in samples) == 0x20010000 - 2 * 0x68


EAGER = f"""
reset:
{ENABLE_FP}
  ldr r0, =0xE000EF34       @ FPCCR: ASPEN only, no lazy stacking
  ldr r1, =0x80000000
  str r1, [r0]
{enable_irq(0, 0x40)}
  ldr r3, =0x66666666
  vmov s3, r3
{pend_irq(0)}
  b finish
h:
  ldr r2, =0x20000000
  ldr r3, [sp, #0x2c]       @ s3's slot, stored by the entry itself
  str r3, [r2]
  ldr r0, =0xE000EF34
  ldr r1, [r0]
  str r1, [r2, #4]
  bx lr
"""


def test_without_lspen_the_entry_stores_s0_s15_and_costs_17_more_cycles(tmp_path):
    m, result = run(tmp_path, EAGER, {16: "h"})
    slot_s3, fpccr = words(m, 2)
    assert slot_s3 == 0x66666666 and not fpccr & FPCCR_LSPACT
    entry = next(e for e in result.events if isinstance(e, InterruptEntered))
    assert entry.entry_cycles == 12 + 17


NO_FP_IN_HANDLER = f"""
reset:
{ENABLE_FP}
{enable_irq(0, 0x40)}
  ldr r3, =0x77777777
  vmov s2, r3
{pend_irq(0)}
  ldr r2, =0x20000000
  vmov r1, s2
  str r1, [r2]
  ldr r0, =0xE000EF34
  ldr r1, [r0]
  str r1, [r2, #4]
  b finish
h:
  bx lr
"""


def test_a_handler_without_fp_returns_clearing_lspact_and_leaving_the_registers(tmp_path):
    m, _ = run(tmp_path, NO_FP_IN_HANDLER, {16: "h"})
    s2, fpccr = words(m, 2)
    assert s2 == 0x77777777 and not fpccr & FPCCR_LSPACT


BAD_RETURN = f"""
reset:
{ENABLE_FP}
{enable_irq(0, 0x40)}
  vmov s0, r0
{pend_irq(0)}
  b finish
h:
  ldr r0, =0xFFFFFFE5       @ EXC_RETURN[3:0] = 0b0101: reserved
  bx r0
"""


def test_an_fp_exc_return_with_a_reserved_low_nibble_is_still_an_invpc_fault(tmp_path):
    _, result = run(tmp_path, BAD_RETURN, {16: "h"})
    faults = [e for e in result.events if isinstance(e, Fault)]
    assert faults and faults[0].kind == "bad-exc-return" and "0xffffffe5" in faults[0].message


DENIED = """
reset:
  vmov s0, r0               @ CPACR still denies CP10/CP11 (its reset value)
  b finish
"""


def test_fp_with_cpacr_at_reset_is_a_nocp_fault_and_ends_without_a_handler(tmp_path):
    _, result = run(tmp_path, DENIED, {})
    assert result.reason == "fault" and "usage-fault-nocp" in result.message


UNDEFINED = f"""
reset:
{ENABLE_FP}
  ldr r3, =0x12345678
  vmov s5, r3
  ldr r7, =0xCAFE
fault_here:
  udf #0
  b finish
"""


def test_a_fault_reports_the_core_and_fp_registers_and_the_fault_status(tmp_path):
    m, result = run(tmp_path, UNDEFINED, {})
    fault = next(e for e in result.events if isinstance(e, Fault))
    regs = dict(fault.registers)
    assert fault.kind == "undefined-instruction" and result.reason == "fault"
    assert regs["pc"] == m.symbol("fault_here") and regs["r7"] == 0xCAFE
    assert regs["s5"] == 0x12345678 and "fpscr" in regs
    assert regs["cfsr"] == 1 << 16                         # UFSR.UNDEFINSTR (B3.2.15)
    assert [name for name, _ in fault.registers][:4] == ["r0", "r1", "r2", "r3"]


def test_without_fp_access_the_dump_has_no_fp_registers(tmp_path):
    _, result = run(tmp_path, DENIED, {})
    regs = dict(next(e for e in result.events if isinstance(e, Fault)).registers)
    assert "s0" not in regs and regs["cfsr"] == 1 << 19    # UFSR.NOCP


def test_the_trace_shows_fp_operands_and_stops_calling_python_after_its_limit(tmp_path):
    from emulator.probes.trace import Tracer
    source = PSP_THREAD.replace("  b finish\nh:", """  movs r4, #0
spin:
  adds r4, r4, #1
  cmp r4, #200
  bne spin
  b finish
h:""", 1) + FINISH
    m = machine(tmp_path, source, {16: "h"})
    lines = []
    tracer = Tracer(m, 30, lines.append)
    result = m.run(max_cycles=1_000_000, timeout=20)
    plain = machine(tmp_path, source, {16: "h"}).run(max_cycles=1_000_000, timeout=20)
    assert (result.reason, result.cycles) == (plain.reason, plain.cycles)
    assert result.instructions > 600 and tracer.count < 30 + 64      # the hook went at the limit
    assert lines[-1] == "... trace limit of 30 instructions reached"
    vmov = next(line for line in lines if "vmov s0, r3" in line)
    assert vmov.endswith("s0=00000000 (0)")


IT_LAZY = f"""
reset:
{ENABLE_FP}
{enable_irq(0, 0x40)}
  ldr r3, =0x3F800000
  vmov s0, r3
{pend_irq(0)}
  ldr r2, =0x20000000
  vmov r1, s0
  str r1, [r2, #8]
  b finish
h:
  movs r0, #0
  cmp r0, #0
  it eq
  vmoveq s0, r0             @ the handler's first FP instruction is inside an IT block
  ldr r0, =0xE000EF34
  ldr r1, [r0]
  ldr r2, =0x20000000
  str r1, [r2]
  ldr r1, [sp, #0x20]
  str r1, [r2, #4]
  bx lr
"""


def test_a_lazy_save_triggered_inside_an_it_block_still_happens(tmp_path):
    """FreeRTOS's CM4F PendSV: `tst lr, #0x10; it eq; vstmdbeq r0!, {s16-s31}`."""
    m, _ = run(tmp_path, IT_LAZY, {16: "h"})
    fpccr, slot_s0, s0_after = words(m, 3)
    assert not fpccr & FPCCR_LSPACT
    assert slot_s0 == 0x3F800000 and s0_after == 0x3F800000


def test_an_fp_instruction_whose_it_condition_fails_triggers_no_lazy_save(tmp_path):
    m, _ = run(tmp_path, IT_LAZY.replace("  cmp r0, #0\n  it eq", "  cmp r0, #1\n  it eq"),
               {16: "h"})
    fpccr, _, s0_after = words(m, 3)
    assert fpccr & FPCCR_LSPACT and s0_after == 0x3F800000
