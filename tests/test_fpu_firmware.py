"""Hard-float (FPv4-SP) gcc firmware on QEMU mps2-an386 and on fwsandbox, against its design.

firmware/c/arm/fpu_demo.c checks the FP exception frames from inside the firmware (EXC_RETURN
values, CONTROL.FPCA, FPCCR.LSPACT/FPCAR, all 32 FP registers and FPSCR across interrupts and a
PendSV task switcher that saves s16-s31 as RTOS ports do) and prints what it saw; QEMU is the
trusted peer and both must print the designed transcript.  The NOCP build checks UsageFault
NOCP and its escalation to HardFault.
"""
from __future__ import annotations

import pytest

from emulator.events import Fault, InterruptEntered
from test_gcc_firmware import make_images, require_tool, run_emulator, run_qemu

DESIGNED = {
    "fpudemo": ("""\
fwsandbox hard-float firmware: cortex-m4f
cpacr at reset=00000000 fpccr=c0000000 mvfr0=10110021 mvfr1=11000011
msp thread: control=00000004 timer0 exc_return=ffffffe9 control=00000000 lspact=00000001 \
fpcar=frame+0x20 fp state kept
tasks: fp state kept, both ran
systick exc_return=ffffffed lspact before fp=00000001 after=00000000 timer0 nested twice
isr fp results ok
eager: timer0 exc_return=ffffffed lspact=00000000 frame holds s0, fp state kept
""", 0),
    "fpu_nocp": ("""\
fwsandbox hard-float firmware: nocp
usagefault: ipsr=00000006 cfsr=00080000 hfsr=00000000 at the FP instruction
hardfault: ipsr=00000003 cfsr=00080000 hfsr=40000000 at the FP instruction
""", 0),
}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("fpu-firmware")
    for name in DESIGNED:
        make_images(out, str(out / "arm" / f"{name}.elf"))
    return out / "arm"


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_hard_float_firmware_prints_the_designed_transcript_on_qemu(images, name):
    assert run_qemu(images / f"{name}.elf") == DESIGNED[name]


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_hard_float_firmware_prints_the_same_transcript_on_fwsandbox(images, name):
    result = run_emulator(images / f"{name}.elf")
    assert result.reason == "exit", f"{result.reason}: {result.message}\n{result.output}"
    assert (result.output, result.code) == DESIGNED[name]


def test_fp_task_switching_runs_pendsv_systick_and_nested_timer0(images):
    entries = [e for e in run_emulator(images / "fpudemo.elf").events
               if isinstance(e, InterruptEntered)]
    assert {e.name for e in entries} == {"PendSV", "SysTick", "IRQ8"}
    nested = [e for e in entries if e.name == "IRQ8" and e.context.depth == 2]
    assert len(nested) == 2 and all(e.context.chain[0] == "SysTick_Handler" for e in nested)


def test_eager_fp_frame_costs_17_more_entry_cycles_and_lazy_ones_none(images):
    timer0 = [e for e in run_emulator(images / "fpudemo.elf").events
              if isinstance(e, InterruptEntered) and e.name == "IRQ8"]
    assert [e.entry_cycles for e in timer0] == [12, 12, 12, 12 + 17]     # the last: LSPEN = 0


def test_each_nocp_fault_is_a_finding_at_the_fp_instruction(images):
    result = run_emulator(images / "fpu_nocp.elf")
    faults = [e for e in result.events if isinstance(e, Fault)]
    assert [f.kind for f in faults] == ["usage-fault-nocp"] * 2
    assert {f.location for f in faults} == {"fp_touch"}


def test_a_hard_float_image_on_a_board_without_fpu_is_a_clear_error(images, tmp_path):
    from emulator.load.board import BUILTIN
    from emulator.errors import BadInput
    from emulator.machine.machine import Machine
    text = (BUILTIN / "cortex-m4.toml").read_text().replace('fpu = "fpv4-sp-d16"', 'fpu = "none"')
    board = tmp_path / "m4-nofpu.toml"
    board.write_text(text)
    with pytest.raises(BadInput, match="hard float .*has no FPU"):
        Machine.load(images / "fpudemo.elf", board=board)
