"""ARMv7-M A3.2.1: the accesses that must be aligned fault (UsageFault UNALIGNED), the others run.

Unicorn 2.1.4 runs unaligned LDM/STM/LDRD/STRD/VLDR/VSTR/VLDM/VSTM silently and faults only
LDREX/STREX (as an engine data abort); fwsandbox checks them all (emulator/arch/arm/alignment.py),
through the native helper and through the pure-Python clock alike.
"""
from __future__ import annotations

import struct

import pytest

from armfw import FINISH, machine
from emulator.arch.arm.alignment import AL, scan
from emulator.events import Fault, InterruptEntered
from emulator.report.runsummary import run_text
from test_gcc_firmware import make_images, require_tool, run_emulator, run_qemu
from tools.asm import assemble_thumb

BUF = 0x20000100                    # word aligned; BUF + 2 is not
CPACR_ON = "  ldr r0, =0xE000ED88\n  ldr r1, =0x00F00000\n  str r1, [r0]\n  dsb\n  isb\n"
# (name, the instruction with its base register r4 = BUF + 2, needs the FPU on)
CHECKED = [
    ("ldm", "ldm r4!, {r0, r1}", False),
    ("stm", "stm r4!, {r0, r1}", False),
    ("ldm", "ldmia.w r4, {r0, r1, r2}", False),
    ("stm", "stmdb r4!, {r0, r1}", False),
    ("ldrd", "ldrd r0, r1, [r4, #8]", False),
    ("strd", "strd r0, r1, [r4], #8", False),
    ("ldrex", "ldrex r0, [r4]", False),
    ("strex", "strex r1, r0, [r4]", False),
    ("vldr", "vldr s0, [r4, #4]", True),
    ("vstr", "vstr d1, [r4]", True),
    ("vldm", "vldmia r4!, {s0-s3}", True),
    ("vstm", "vstmdb r4!, {s0, s1}", True),
]


@pytest.fixture(params=["native", "python"])
def clock(request, monkeypatch):
    if request.param == "python":
        monkeypatch.setenv("FWSANDBOX_CLOCK", "python")
    return request.param


def run(tmp_path, body, handlers=None, fpu=False):
    source = "reset:\n" + (CPACR_ON if fpu else "") + f"  ldr r4, ={BUF + 2:#x}\n" + body + \
        "  b finish\n" + FINISH
    m = machine(tmp_path, source, handlers)
    return m, m.run(max_cycles=200_000, timeout=20)


def faults(result):
    return [e for e in result.events if isinstance(e, Fault)]


@pytest.mark.parametrize("name,insn,fpu", CHECKED, ids=[c[1].split(",")[0] for c in CHECKED])
def test_an_unaligned_base_faults_before_the_instruction_runs(tmp_path, clock, name, insn, fpu):
    m, result = run(tmp_path, f"  ldr r0, =0x11111111\n  ldr r1, =0x22222222\nsite:\n  {insn}\n", fpu=fpu)
    (fault,) = faults(result)
    assert (result.reason, fault.kind, fault.location) == ("fault", "unaligned-access", "site")
    assert fault.message.startswith(f"{name} with base r4 = 0x{BUF + 2:08x}, not word aligned")
    assert m.cpu.reg("r4") == BUF + 2                      # no writeback: it did not run
    assert m.read(BUF, 16) == bytes(16)                    # and stored nothing


@pytest.mark.parametrize("name,insn,fpu", CHECKED, ids=[c[1].split(",")[0] for c in CHECKED])
def test_the_same_instruction_on_an_aligned_base_runs(tmp_path, clock, name, insn, fpu):
    _, result = run(tmp_path, f"  subs r4, #2\n  {insn}\n", fpu=fpu)
    assert (result.reason, faults(result)) == ("exit", [])


def test_ldrexh_needs_only_halfword_alignment(tmp_path, clock):
    _, result = run(tmp_path, "  ldrexh r0, [r4]\n  adds r4, #1\nsite:\n  ldrexh r0, [r4]\n")
    (fault,) = faults(result)
    assert fault.location == "site" and "not halfword aligned" in fault.message


def test_single_loads_and_stores_may_be_unaligned(tmp_path, clock):
    """A3.2.1: LDR/STR/LDRH/STRH support unaligned addresses (CCR.UNALIGN_TRP = 0)."""
    _, result = run(tmp_path, "  ldr r0, [r4]\n  str r0, [r4, #3]\n  ldrh r1, [r4, #1]\n")
    assert (result.reason, faults(result)) == ("exit", [])


def test_a_failed_it_condition_does_not_fault(tmp_path, clock):
    body = "  movs r0, #1\n  cmp r0, #0\n  itt eq\n  ldrdeq r0, r1, [r4]\n  ldmeq r4, {r0, r1}\n" \
           "  cmp r0, #1\n  it eq\nsite:\n  ldrdeq r2, r3, [r4]\n"
    _, result = run(tmp_path, body)
    (fault,) = faults(result)
    assert fault.location == "site"


def test_the_usagefault_handler_sees_cfsr_unaligned(tmp_path, clock):
    """B3.2.13 SHCSR.USGFAULTENA: taken as UsageFault (exception 6), CFSR bit 24 set (B3.2.15),
    the stacked return address is the faulting instruction."""
    body = "  ldr r0, =0xE000ED24\n  ldr r1, =0x40000\n  str r1, [r0]\nsite:\n  ldrd r0, r1, [r4]\n"
    handler = ("usage:\n  ldr r0, =0xE000ED28\n  ldr r1, [r0]\n  ldr r2, =0x20000000\n"
               "  str r1, [r2]\n  ldr r1, [sp, #24]\n  str r1, [r2, #4]\n  b finish\n")
    m, result = run(tmp_path, body + "  b finish\n" + handler, {6: "usage"})
    assert [e.number for e in result.events if isinstance(e, InterruptEntered)] == [6]
    cfsr, stacked_pc = struct.unpack("<2I", m.read(0x20000000, 8))
    assert cfsr == 1 << 24 and stacked_pc == m.image.symbols["site"]
    assert result.reason == "exit"


def test_without_usagefault_enabled_it_escalates_to_hardfault(tmp_path, clock):
    handler = "hard:\n  ldr r0, =0xE000ED2C\n  ldr r1, [r0]\n  ldr r2, =0x20000000\n  str r1, [r2]\n  b finish\n"
    m, result = run(tmp_path, "  ldrd r0, r1, [r4]\n  b finish\n" + handler, {3: "hard"})
    assert struct.unpack("<I", m.read(0x20000000, 4))[0] == 1 << 30      # HFSR.FORCED
    assert [e.number for e in result.events if isinstance(e, InterruptEntered)] == [3]


def test_setting_ccr_unalign_trp_is_reported_as_not_modelled(tmp_path):
    m, result = run(tmp_path, "  ldr r0, =0xE000ED14\n  ldr r1, [r0]\n  orr r1, #8\n  str r1, [r0]\n")
    assert result.reason == "exit"
    text = run_text(m, result, [])
    assert "not modelled: CCR.UNALIGN_TRP set at cycle" in text
    assert "unaligned LDR/STR/LDRH/STRH are not trapped" in text


def test_the_scan_finds_each_checked_form_and_the_it_condition():
    code = assemble_thumb("\n".join(insn for _, insn, _ in CHECKED) +
                          "\npush {r4, lr}\nldrd r0, r1, [sp, #8]\nvpush {s16}\nldr r0, [r1, #1]\n"
                          "tbb [r0, r1]\nldrexb r0, [r4]\ncmp r0, #0\nite ne\nldrdne r0, r1, [r2]\n"
                          "ldmeq r3, {r0, r1}\nbx lr\n", 0x100)
    sites = scan(code, 0x100)
    assert [s.name for s in sites] == [name for name, _, _ in CHECKED] + ["ldrd", "ldm"]
    assert {s.rn for s in sites[:len(CHECKED)]} == {4}
    assert [s.cond for s in sites] == [AL] * len(CHECKED) + [1, 0]       # NE, EQ


def test_the_scan_resynchronises_at_function_starts():
    """Data that looks like the first half of a 32-bit instruction must not hide the function
    after it: a literal 0xE800 right before ``ldm r1!, {r0}``."""
    code = struct.pack("<H", 0xE800) + assemble_thumb("ldm r1!, {r0}\n", 0x102)
    assert scan(code, 0x100) == []
    assert [s.addr for s in scan(code, 0x100, frozenset({0x102}))] == [0x102]


def test_in_an_it_block_it_is_checked_at_the_it_instruction(tmp_path, clock):
    body = "  movs r0, #1\n  cmp r0, #1\nit_insn:\n  itt eq\n  moveq r1, #7\nsite:\n  ldrdeq r2, r3, [r4]\n"
    m, result = run(tmp_path, body)
    (fault,) = faults(result)
    assert (fault.kind, fault.location) == ("unaligned-access", "site")
    assert m.cpu.reg("r1") == 0                  # resumes at the IT instruction: nothing ran


def test_an_it_block_that_changes_the_base_first_is_reported_unchecked(tmp_path):
    body = "  movs r0, #1\n  cmp r0, #1\n  itt eq\n  addeq r4, #2\n  ldrdeq r2, r3, [r4]\n"
    m, result = run(tmp_path, body)
    assert result.reason == "exit"
    (note,) = m.core.notes()
    assert note.startswith("1 alignment-checked instruction(s) in IT blocks after one changing "
                           "the base register or the flags are not checked: ldrd at 0x")


def test_a_gcc_image_faults_on_its_unaligned_ldrd_as_on_qemu(tmp_path):
    """firmware/c/arm/unaligned.c on QEMU mps2-an386 (the oracle) and on fwsandbox: the unaligned
    LDR runs, the unaligned LDRD enters the UsageFault handler, same console and exit code."""
    require_tool("arm-none-eabi-gcc")
    make_images(tmp_path, str(tmp_path / "arm" / "unaligned.elf"))
    elf = tmp_path / "arm" / "unaligned.elf"
    console, code = run_qemu(elf)
    assert console == "unaligned ldr: 14131211\nunexpected exception 6\n" and code == 0x7F
    result = run_emulator(elf)
    assert (result.output, result.code) == (console, code)
    assert [e.kind for e in result.events if isinstance(e, Fault)] == ["unaligned-access"]


def test_the_json_and_text_reports_carry_the_not_modelled_note(tmp_path):
    import json
    from armfw import build
    from emulator.report import render_json, render_text
    from emulator.session import analyse
    source = "reset:\n  ldr r0, =0xE000ED14\n  ldr r1, [r0]\n  orr r1, #8\n  str r1, [r0]\n  b finish\n" + FINISH
    path = build(tmp_path, source)
    report = analyse(path, board="cortex-m4", base=0, symbols=path.with_suffix(".sym")).report
    (note,) = json.loads(render_json(report))["not_modelled"]
    assert note.startswith("CCR.UNALIGN_TRP set at cycle ")
    assert f"not modelled: {note}" in render_text(report)
