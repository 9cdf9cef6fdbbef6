"""Book E (e200-mcu) interrupt-model conformance: one tiny keystone-built image per behaviour.

Behaviours both ISAs share are rows of tests/behaviours.py (test_shared_behaviour.py); this file
keeps the Book E details: SRR0/SRR1/ESR/DEAR, the CPR LIFO, DEC/FIT, critical input with rfci.
"""
from __future__ import annotations

import struct

import pytest

from elf32 import EM_PPC, make_elf
from emulator.errors import BadInput
from emulator.events import InterruptEntered, InterruptExited
from emulator.machine.machine import Machine
from ppcfw import (FLAGS, INTC, PIT, SIMCTL, SRAM as SRAM_BASE, exit_with, image, load, machine,
                   set_priority, software_irq)
from tools.asm import assemble_ppc

def run(tmp_path, source, max_cycles=2_000_000):
    m = machine(tmp_path, source)
    return m, m.run(max_cycles=max_cycles, timeout=20)


def words(m, count, base=FLAGS):
    return struct.unpack(f">{count}I", m.read(base, 4 * count))


def entered(result):
    return [e for e in result.events if isinstance(e, InterruptEntered)]


def exited(result):
    return [e for e in result.events if isinstance(e, InterruptExited)]


def test_sc_enters_ivor8_with_srr0_after_the_sc_and_rfi_returns_there(tmp_path):
    handlers = "syscall:\n  addi 20, 20, 1\n  mfspr 21, 26\n  rfi\n"
    thread = "  li 20, 0\n  sc\nafter_sc:\n  addi 20, 20, 10\n" + load(4, FLAGS) + \
             "  stw 20, 0(4)\n  stw 21, 4(4)\n"
    m, result = run(tmp_path, image(thread, handlers=handlers, ivors={8: 0x500}))
    assert result.reason == "exit" and result.code == 0
    after = m.symbol("after_sc")
    assert words(m, 2) == (11, after)
    (e,), (x,) = entered(result), exited(result)
    assert (e.number, e.name, e.handler, e.preempted_pc, e.context.depth) == (8, "IVOR8", "syscall", after, 1)
    assert e.context.masked and x.return_pc == after and x.context.depth == 0


DEC_HANDLER = "dec_handler:\n  addi 21, 21, 1\n" + load(5, 0x08000000) + "  mtspr 336, 5\n  rfi\n"


def test_decrementer_with_auto_reload_interrupts_every_decar_cycles(tmp_path):
    thread = ("  li 21, 0\n  li 5, 1000\n  mtspr 54, 5\n  li 5, 500\n  mtspr 22, 5\n" +
              load(5, 0x04400000) + "  mtspr 340, 5\n  wrteei 1\nidle:\n  b idle\n")
    handler = DEC_HANDLER.replace("  rfi\n", "  cmpwi 21, 4\n  beq dec_done\n  rfi\ndec_done:\n"
                                  "  li 3, 0\n" + exit_with())
    m, result = run(tmp_path, image(thread, handlers=handler, ivors={10: 0x500}))
    assert result.reason == "exit"
    starts = [e.cycle for e in entered(result)]
    assert len(starts) == 4 and all(e.name == "IVOR10" and e.handler == "dec_handler" for e in entered(result))
    assert [b - a for a, b in zip(starts, starts[1:])] == [1000, 1000, 1000]


def test_decrementer_without_auto_reload_fires_once_and_stops_at_zero(tmp_path):
    thread = ("  li 21, 0\n  li 5, 300\n  mtspr 22, 5\n" + load(5, 0x04000000) +
              "  mtspr 340, 5\n  wrteei 1\n  li 6, 2000\n  mtctr 6\nspin:\n  bdnz spin\n"
              "  mfspr 7, 22\n" + load(4, FLAGS) + "  stw 21, 0(4)\n  stw 7, 4(4)\n")
    m, result = run(tmp_path, image(thread, handlers=DEC_HANDLER, ivors={10: 0x500}))
    assert result.reason == "exit" and words(m, 2) == (1, 0)


def test_fixed_interval_timer_interrupts_when_the_selected_time_base_bit_rises(tmp_path):
    handler = ("fit_handler:\n  addi 21, 21, 1\n" + load(5, 0x04000000) + "  mtspr 336, 5\n"
               "  cmpwi 21, 3\n  beq fit_done\n  rfi\nfit_done:\n  li 3, 0\n" + exit_with())
    thread = ("  li 21, 0\n" + load(5, 0x00800000 | 3 << 24 | 9 << 13) +   # FIE, TB bit 6
              "  mtspr 340, 5\n  wrteei 1\nidle:\n  b idle\n")
    m, result = run(tmp_path, image(thread, handlers=handler, ivors={11: 0x500}))
    assert result.reason == "exit"
    ev = entered(result)
    assert [e.name for e in ev] == ["IVOR11"] * 3
    assert [e.cycle - e.entry_cycles for e in ev] == [64, 192, 320]     # TB bit 6 rises at 64 + 128k


PIT_ISR = """
pit_isr:
  addi 22, 22, 1
""" + load(5, PIT + 0x10C) + """  li 6, 1
  stw 6, 0(5)
  cmpwi 22, 4
  beq pit_done
  blr
pit_done:
  li 3, 0
""" + exit_with()


def test_pit_period_is_ldval_plus_one_cycles_exactly(tmp_path):
    thread = (set_priority(59, 3) + load(4, PIT) + "  li 3, 0\n  stw 3, 0(4)\n  li 3, 999\n"
              "  stw 3, 0x100(4)\n  li 3, 3\n  stw 3, 0x108(4)\n  li 22, 0\n  wrteei 1\n"
              "idle:\n  b idle\n")             # a branch-to-self idles to the next event
    m, result = run(tmp_path, image(thread, {59: "pit_isr"}, PIT_ISR))
    assert result.reason == "exit"
    ev = entered(result)
    assert [(e.number, e.name, e.handler) for e in ev] == [(16 + 59, "IVOR4:59", "pit_isr")] * 4
    starts = [e.cycle for e in ev]
    assert [b - a for a, b in zip(starts, starts[1:])] == [1000, 1000, 1000]
    assert all(e.preempted_location == "idle" for e in ev)


NEST_ISRS = """
isr_low:
""" + load(7, FLAGS) + load(8, INTC) + """  lwz 6, 8(8)
  stw 6, 0(7)
""" + software_irq(1) + """  lwz 6, 8(8)
  stw 6, 8(7)
""" + software_irq(0, 1) + """  blr
isr_high:
""" + load(7, FLAGS) + load(8, INTC) + """  lwz 6, 8(8)
  stw 6, 4(7)
""" + software_irq(1, 1) + """  blr
"""


def test_a_higher_intc_priority_nests_inside_a_handler_that_reenabled_ee(tmp_path):
    thread = set_priority(0, 2) + set_priority(1, 5) + "  wrteei 1\n" + software_irq(0) + \
        "  nop\n  wrteei 0\n" + load(8, INTC) + "  lwz 6, 8(8)\n" + load(7, FLAGS) + "  stw 6, 12(7)\n"
    m, result = run(tmp_path, image(thread, {0: "isr_low", 1: "isr_high"}, NEST_ISRS))
    assert result.reason == "exit"
    ev, ex = entered(result), exited(result)
    assert [(e.name, e.handler, e.context.depth) for e in ev] == [("IVOR4:0", "isr_low", 1),
                                                                  ("IVOR4:1", "isr_high", 2)]
    assert ev[1].context.chain == ("isr_low", "isr_high")
    assert [(x.handler, x.context.depth) for x in ex] == [("isr_high", 1), ("isr_low", 0)]
    # IACKR/EOIR LIFO: CPR 2 in the low ISR, 5 in the nested one, 2 again after its EOIR, 0 at the end
    assert words(m, 4) == (2, 5, 2, 0)


CRIT_HANDLER = """
crit_handler:
""" + load(9, SIMCTL) + """  li 10, 0
  stw 10, 4(9)
  mfspr 10, 58
  rfci
"""


def test_a_critical_input_preempts_an_external_handler_and_returns_with_rfci(tmp_path):
    isr = "isr_low:\n" + load(9, SIMCTL) + "  li 10, 1\n  stw 10, 4(9)\nafter_crit:\n  nop\n" + \
        software_irq(0, 1) + "  blr\n"
    thread = load(3, 0x28000) + "  mtmsr 3\n" + set_priority(0, 2) + software_irq(0) + "  nop\n"
    m, result = run(tmp_path, image(thread, {0: "isr_low"}, isr, CRIT_HANDLER, {0: 0x500}))
    assert result.reason == "exit"
    ev, ex = entered(result), exited(result)
    assert [(e.name, e.context.depth) for e in ev] == [("IVOR4:0", 1), ("IVOR0", 2)]
    assert ev[1].preempted_pc == m.symbol("after_crit") and ev[1].handler == "crit_handler"
    assert [x.handler for x in ex] == ["crit_handler", "isr_low"]
    assert ex[0].return_pc == m.symbol("after_crit") and ex[0].context.depth == 1


def test_an_unmapped_read_is_a_fault_naming_the_address(tmp_path):
    thread = load(4, 0x60000000) + "bad_load:\n  lwz 3, 0(4)\n"
    m, result = run(tmp_path, image(thread))
    assert result.reason == "fault" and "0x60000000" in result.message
    (fault,) = [e for e in result.events if type(e).__name__ == "Fault"]
    assert fault.kind == "unmapped-read" and fault.pc == m.symbol("bad_load")


def test_an_illegal_instruction_is_a_fault_at_its_address(tmp_path):
    thread = "  nop\nbad_insn:\n  nop\n"
    m = machine(tmp_path, image(thread))
    at = m.symbol("bad_insn")
    m.write(at, b"\x00\x00\x00\x00")
    result = m.run(max_cycles=100_000, timeout=10)
    (fault,) = [e for e in result.events if type(e).__name__ == "Fault"]
    assert result.reason == "fault" and fault.kind == "undefined-instruction" and fault.pc == at


def test_a_vle_image_is_rejected_with_a_clear_error(tmp_path):
    blob = bytearray(make_elf([(0, assemble_ppc("nop\nb .", 0))], EM_PPC, 0, big_endian=True))
    struct.pack_into(">I", blob, 52 + 24, 0x10000005)        # p_flags: PF_PPC_VLE | R | X
    path = tmp_path / "vle.elf"
    path.write_bytes(bytes(blob))
    with pytest.raises(BadInput, match="VLE"):
        Machine.load(path)


# --- faults enter the firmware's IVOR2/3/5/6 handlers (e200z3 RM §4.6.3-§4.6.7) ---------------
ESR_PIL, ESR_PPR, ESR_PTR, ESR_ST = 0x08000000, 0x04000000, 0x02000000, 0x00800000
MSR_CE, MSR_EE, MSR_PR, MSR_ME, MSR_DE = 0x20000, 0x8000, 0x4000, 0x1000, 0x200
DEAR_BEFORE, ESR_BEFORE = 0xDEADBEE0, 0xFFFFFFFF
SEEN = FLAGS + 0x40                # the handler records SRR0, DEAR, ESR, SRR1, MSR, count here
# Records SRR0/DEAR/ESR/SRR1/MSR and counts entries, then resumes after the faulting instruction.
FAULT_HANDLER = """
fault_handler:
  mfspr 20, 26
  mfspr 21, 61
  mfspr 22, 62
  mfspr 23, 27
  mfmsr 24
""" + load(25, SEEN) + """  stw 20, 0(25)
  stw 21, 4(25)
  stw 22, 8(25)
  stw 23, 12(25)
  stw 24, 16(25)
  lwz 26, 20(25)
  addi 26, 26, 1
  stw 26, 20(25)
  addi 20, 20, 4
  mtspr 26, 20
  rfi
"""
PRESET = load(3, DEAR_BEFORE) + "  mtspr 61, 3\n" + load(3, ESR_BEFORE) + "  mtspr 62, 3\n"
RESUMED = "  li 5, 0x77\n" + load(6, FLAGS) + "  stw 5, 0(6)\n"

FAULT_CASES = [   # kind, IVOR, code before 'bad:', the faulting instruction, DEAR, ESR
    ("unmapped-read", 2, load(4, 0x60000000), "lwz 3, 0(4)", 0x60000000, 0),
    ("unmapped-write", 2, load(4, 0x60000004), "stw 3, 0(4)", 0x60000004, ESR_ST),
    ("write-protected", 2, load(4, 0x2000), "stb 3, 0(4)", 0x2000, ESR_ST),
    ("unaligned-read", 5, load(4, FLAGS + 0x82), "lwarx 3, 0, 4", FLAGS + 0x82, 0),
    ("undefined-instruction", 6, "", ".long 0", DEAR_BEFORE, ESR_PIL),
    ("trap", 6, "  li 3, 5\n", "tw 4, 3, 3", DEAR_BEFORE, ESR_PTR),
    ("privileged-instruction", 6, load(3, MSR_PR) + "  mtmsr 3\n", "wrteei 1", DEAR_BEFORE, ESR_PPR),
]


def fault_image(ivor, before, insn, handler=FAULT_HANDLER, extra_ivors=None):
    thread = PRESET + before + f"bad:\n  {insn}\n" + RESUMED
    return image(thread, handlers=handler, ivors={ivor: 0x500, **(extra_ivors or {})})


def faults_of(result):
    return [e for e in result.events if type(e).__name__ == "Fault"]


@pytest.mark.parametrize("kind,ivor,before,insn,dear,esr", FAULT_CASES, ids=[c[0] for c in FAULT_CASES])
def test_a_fault_enters_its_ivor_handler_with_srr0_dear_esr_and_the_run_continues(
        tmp_path, kind, ivor, before, insn, dear, esr):
    m, result = run(tmp_path, fault_image(ivor, before, insn))
    bad = m.symbol("bad")
    assert (result.reason, result.code) == ("exit", 0)
    assert [(f.kind, f.pc) for f in faults_of(result)] == [(kind, bad)]
    srr0, seen_dear, seen_esr, srr1, msr, count = words(m, 6, SEEN)
    assert (srr0, seen_dear, seen_esr, count) == (bad, dear, esr, 1)
    assert srr1 == (MSR_PR if kind == "privileged-instruction" else 0) and msr == 0
    assert words(m, 1) == (0x77,)                                # resumed after the instruction
    (e,), (x,) = entered(result), exited(result)
    assert (e.name, e.number, e.handler, e.preempted_pc, e.context.depth) == \
        (f"IVOR{ivor}", ivor, "fault_handler", bad, 1)
    assert x.return_pc == bad + 4 and x.context.depth == 0


def test_fault_entry_keeps_msr_ce_me_de_clears_ee_and_saves_the_old_msr_in_srr1(tmp_path):
    before = load(3, MSR_CE | MSR_EE | MSR_ME | MSR_DE) + "  mtmsr 3\n" + load(4, 0x60000000)
    m, result = run(tmp_path, fault_image(2, before, "lwz 3, 0(4)"))
    assert result.reason == "exit"
    srr1, msr = words(m, 2, SEEN + 12)
    assert srr1 == MSR_CE | MSR_EE | MSR_ME | MSR_DE and msr == MSR_CE | MSR_ME | MSR_DE


ISI_HANDLER = """
isi_handler:
  mfspr 20, 26
  mfspr 21, 61
  mfspr 22, 62
""" + load(25, SEEN) + """  stw 20, 0(25)
  stw 21, 4(25)
  stw 22, 8(25)
  mflr 20
  mtspr 26, 20
  rfi
"""


def test_a_fetch_from_unmapped_memory_enters_ivor3_with_srr0_at_the_target(tmp_path):
    before = load(4, 0x60000000) + "  mtctr 4\n"
    m, result = run(tmp_path, fault_image(3, before, "bctrl", ISI_HANDLER))
    assert (result.reason, result.code) == ("exit", 0)
    assert [(f.kind, f.pc) for f in faults_of(result)] == [("unmapped-fetch", 0x60000000)]
    assert words(m, 3, SEEN) == (0x60000000, DEAR_BEFORE, 0)     # DEAR unchanged, ESR cleared
    assert entered(result)[0].name == "IVOR3" and exited(result)[0].return_pc == m.symbol("bad") + 4


def test_the_firmware_can_step_into_its_program_handler(tmp_path):
    m = machine(tmp_path, fault_image(6, "", ".long 0"))
    m.step(400)
    assert words(m, 1) == (0x77,) and words(m, 1, SEEN + 20) == (1,)
    assert words(m, 1, SEEN) == (m.symbol("bad"),)


def test_a_fault_inside_the_fault_handler_ends_the_run(tmp_path):
    handler = "fault_handler:\n" + load(7, 0x60000010) + "nested_bad:\n  lwz 3, 0(7)\n  rfi\n"
    m, result = run(tmp_path, fault_image(2, load(4, 0x60000000), "lwz 3, 0(4)", handler))
    assert result.reason == "fault" and "inside the IVOR2 handler fault_handler" in result.message
    assert [(f.pc, f.context.depth) for f in faults_of(result)] == [(m.symbol("bad"), 0),
                                                                    (m.symbol("nested_bad"), 1)]


def test_a_handler_returning_to_the_faulting_instruction_ends_the_run_after_four_faults(tmp_path):
    m, result = run(tmp_path, fault_image(6, "", ".long 0", "fault_handler:\n  rfi\n"))
    assert result.reason == "fault" and "without progress" in result.message
    assert [f.pc for f in faults_of(result)] == [m.symbol("bad")] * 4
    assert len(entered(result)) == 3


def test_a_fault_vector_outside_executable_memory_ends_the_run(tmp_path):
    before = load(3, SRAM_BASE) + "  mtspr 63, 3\n" + load(4, 0x60000000)
    _, result = run(tmp_path, fault_image(2, before, "lwz 3, 0(4)"))
    assert result.reason == "fault" and "not in executable memory" in result.message
    assert not entered(result)


def test_a_fault_vector_at_the_faulting_instruction_ends_the_run(tmp_path):
    thread = "  bl bad_vector\n"
    _, result = run(tmp_path, image(thread, handlers="bad_vector:\n  .long 0\n", ivors={6: 0x500}))
    assert result.reason == "fault" and "is the faulting address" in result.message


def test_without_a_programmed_ivor_a_fault_ends_the_run_naming_it(tmp_path):
    _, result = run(tmp_path, fault_image(5, load(4, 0x60000000), "lwz 3, 0(4)"))
    assert result.reason == "fault" and "IVPR/IVOR2 not set up" in result.message


def test_a_handler_that_fixes_the_cause_and_retries_in_a_loop_is_not_a_fault_loop(tmp_path):
    # the handler points r4 at RAM and retries the load; the thread faults that way six times
    handler = "fault_handler:\n" + load(4, FLAGS + 0x80) + "  rfi\n"
    thread = "  li 9, 6\n  mtctr 9\nagain:\n" + load(4, 0x60000000) + "bad:\n  lwz 3, 0(4)\n  bdnz again\n"
    m, result = run(tmp_path, image(thread, handlers=handler, ivors={2: 0x500}))
    assert (result.reason, result.code) == ("exit", 0)
    assert [f.pc for f in faults_of(result)] == [m.symbol("bad")] * 6 and len(entered(result)) == 6
