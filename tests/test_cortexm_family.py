"""The Cortex-M family (M3, M7, M33 beside the M4): each board runs gcc images as its QEMU peer does."""
from __future__ import annotations

from pathlib import Path

import pytest

from emulator.arch.arm.nvic import Nvic
from emulator.arch.arm.scs import SystemControlSpace

from emulator.engine.cyclemodel import model_for
from emulator.errors import BadInput
from emulator.events import Fault
from emulator.machine import Machine
from emulator.load.board import load_board
from test_gcc_firmware import make_images, require_tool, run_emulator, run_qemu

BOARDS = Path(__file__).resolve().parents[1] / "emulator" / "boards"
# image -> (board, the QEMU machine with the same core and memory map)
FAMILY = {"irqdemo_m3": ("cortex-m3", "mps2-an385"),
          "irqdemo_m7": ("cortex-m7", "mps2-an500"),
          "fpudemo_m7": ("cortex-m7", "mps2-an500"),
          "irqdemo_m33": ("cortex-m33", "mps2-an505")}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("family")
    make_images(out, "arm")
    return out / "arm"


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_each_family_board_prints_what_its_qemu_machine_prints(images, name):
    board, machine = FAMILY[name]
    expected = run_qemu(images / f"{name}.elf", machine)
    result = run_emulator(images / f"{name}.elf", board=board)
    assert result.reason == "exit", f"{result.reason}: {result.message}\n{result.output}"
    assert (result.output, result.code) == expected
    assert f"firmware: {board}" in result.output.splitlines()[0]


def test_the_m7_reports_fpv5_double_precision_and_its_own_cpuid(images):
    output = run_emulator(images / "fpudemo_m7.elf", board="cortex-m7").output
    assert "mvfr0=10110221 mvfr1=12000011" in output          # Cortex-M7 TRM 4.1.3, FPv5-D16


@pytest.mark.parametrize("board, cpuid", [("cortex-m3", 0x410FC231), ("cortex-m4", 0x410FC241),
                                          ("cortex-m7", 0x411FC272), ("cortex-m33", 0x410FD213)])
def test_each_core_reads_its_own_cpuid_from_the_scb(board, cpuid):
    scs = SystemControlSpace("scs", 0xE000E000, 0x1000, Nvic(8, 3), None, load_board(board).cpu)
    assert scs.read(0xD00, 4, 0) == cpuid                    # B3.2.3 CPUID


def test_the_m33_faults_an_sp_decrement_past_msplim_as_qemu_does(images):
    """ARMv8-M stack limit: the SUB past MSPLIM takes UsageFault STKOF (CFSR bit 20) before SP
    moves, on mps2-an505 and here alike; first CPUID, 96 interrupt lines and 8 priority bits."""
    elf = images / "stacklimit_m33.elf"
    expected = run_qemu(elf, "mps2-an505")
    assert expected == ("cpuid=410fd213 ictr=00000002 ipr0=000000ff\nmsplim set\n"
                        "unexpected exception 6\n", 0x7F)
    result = run_emulator(elf, board="cortex-m33")
    assert (result.output, result.code) == expected
    (fault,) = [e for e in result.events if isinstance(e, Fault)]
    assert fault.kind == "stack-limit" and dict(fault.registers)["cfsr"] == 1 << 20
    assert fault.location.startswith("main+")


def test_an_m33_run_reports_that_exception_entry_ignores_msplim(images):
    machine = Machine.load(images / "stacklimit_m33.elf", board="cortex-m33")
    machine.run(max_cycles=100_000, timeout=20)
    (note,) = machine.core.notes()
    assert note.startswith("MSPLIM set to 0x") and "exception entry is not checked" in note


def test_a_board_may_not_give_a_core_an_fpu_it_cannot_have(tmp_path):
    text = BOARDS.joinpath("cortex-m3.toml").read_text().replace('fpu = "none"', 'fpu = "fpv4-sp-d16"')
    path = tmp_path / "m3f.toml"
    path.write_text(text)
    with pytest.raises(BadInput, match=r"m3f.toml:\d+: key 'board.fpu': expected one of none, got 'fpv4-sp-d16'"):
        load_board(str(path))


def test_the_m3_cycle_table_charges_its_slower_multiplier():
    # umull r0, r1, r2, r3 ; mla r0, r1, r2, r3 ; muls r0, r1
    code = bytes.fromhex("a2fb0301" "01fb0230" "4843")
    m3, m4 = model_for("cortex-m3").block(code, 0), model_for("cortex-m4").block(code, 0)
    assert (m4.total, m3.total) == (3, 5 + 2 + 1)
