"""Boards wire interrupts one way for both ISAs: ``irq = "nvic@8"`` / ``"intc@59"``, checked
at load (file:line, key, exit 2) and connected by the bus to the controller's line."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.errors import BadInput
from emulator.load.board import BUILTIN, load_board
from emulator.load.irqspec import IrqRef, expand, parse_irq
from emulator.machine.machine import Machine
from emulator.peripherals.irq import LatchedInput, LevelInput

ROOT = Path(__file__).resolve().parents[1]
ARM_DEMO, PPC_DEMO = ROOT / "firmware/arm/demo.elf", ROOT / "firmware/ppc/demo.elf"
ARM_BOARD, PPC_BOARD = (BUILTIN / "cortex-m4.toml").read_text(), (BUILTIN / "e200-mcu.toml").read_text()


def board_file(tmp_path, text: str, old: str, new: str) -> Path:
    assert old in text
    path = tmp_path / "chip.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


def run(image: Path, board: Path):
    return CliRunner().invoke(main, ["run", str(image), "--board", str(board)])


def test_irq_values_parse_to_controller_lines():
    assert parse_irq("nvic@8", "b", "k") == (IrqRef("nvic", 8),)
    assert parse_irq(8, "b", "k") == (IrqRef(None, 8),)
    assert parse_irq(["intc@59", 70], "b", "k") == (IrqRef("intc", 59), IrqRef(None, 70))
    assert parse_irq(None, "b", "k") == ()
    assert str(IrqRef("intc", 59)) == "intc@59"


@pytest.mark.parametrize("value,fragment", [
    ("gic@8", "unknown interrupt controller 'gic' (known: intc, nvic)"),
    ("nvic@2000", "line 2000 out of range 0-1023"), (-1, "line -1 out of range"),
    ("nvic", 'expected "<controller>@<line>"'), (True, 'expected "<controller>@<line>"'),
    (8.5, 'expected "<controller>@<line>"'), ([], "expected 1 to 32 lines, got 0"),
    (["nvic@1", {"a": 1}], "key 'k[1]'"),
])
def test_malformed_irq_values_name_the_key(value, fragment):
    with pytest.raises(BadInput, match="^b: key 'k"):
        parse_irq(value, "b", "k")
    with pytest.raises(BadInput) as exc:
        parse_irq(value, "b", "k")
    assert fragment in str(exc.value)


def test_one_line_for_several_outputs_is_the_first_of_consecutive_lines():
    assert expand((IrqRef("intc", 59),), 3, "w") == (
        IrqRef("intc", 59), IrqRef("intc", 60), IrqRef("intc", 61))
    two = (IrqRef("intc", 59), IrqRef("intc", 70))
    assert expand(two, 2, "w") == two
    with pytest.raises(BadInput, match="2 lines for 4 interrupt outputs"):
        expand(two, 4, "w")


@pytest.mark.parametrize("irq,fragment", [
    ('"gic@8"', "unknown interrupt controller 'gic'"),
    ('"nvic@64"', "'nvic@64' is not a line of this board's nvic (lines 0-63)"),
    ("64", "'nvic@64' is not a line of this board's nvic"),
    ('"intc@8"', "this board has no interrupt controller 'intc'"),
])
def test_a_bad_arm_timer_irq_is_one_error_naming_file_line_and_key(tmp_path, irq, fragment):
    board = board_file(tmp_path, ARM_BOARD, 'irq = "nvic@8"', f"irq = {irq}")
    result = run(ARM_DEMO, board)
    assert result.exit_code == 2 and "Traceback" not in result.output
    where = f"fwsandbox: error: {board}:{line_of(board, f'irq = {irq}')}: key 'peripheral[0].irq': "
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith(where) and fragment in result.output, result.output


@pytest.mark.parametrize("irq,fragment", [
    ('"intc@306"', "'intc@308' (output 2: intc@306 + 2) is not a line of this board's intc (lines 0-307)"),
    ('["intc@59", "intc@60"]', "2 lines for 4 interrupt outputs"),
    ('["intc@59", "intc@60", "intc@61", "intc@400"]', "'intc@400' is not a line"),
    ('"nvic@59"', "this board has no interrupt controller 'nvic'"),
])
def test_a_bad_pit_irq_is_one_error_naming_file_line_and_key(tmp_path, irq, fragment):
    board = board_file(tmp_path, PPC_BOARD, 'irq = "intc@59"', f"irq = {irq}")
    result = run(PPC_DEMO, board)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith(
        f"fwsandbox: error: {board}:{line_of(board, f'irq = {irq}')}: key 'peripheral[0].irq': ")
    assert fragment in result.output, result.output


def test_first_source_is_refused_with_its_new_spelling(tmp_path):
    board = board_file(tmp_path, PPC_BOARD, 'irq = "intc@59"', "first_source = 59")
    result = run(PPC_DEMO, board)
    assert result.exit_code == 2
    assert "key 'peripheral[0].first_source'" in result.output
    assert 'irq = "intc@59"' in result.output


def test_a_timer_without_irq_and_a_uart_with_one_are_errors(tmp_path):
    no_irq = board_file(tmp_path, ARM_BOARD, 'irq = "nvic@8"\n', "")
    result = run(ARM_DEMO, no_irq)
    assert result.exit_code == 2 and "peripheral 'timer0': key 'irq' is required" in result.output
    uart = board_file(tmp_path, ARM_BOARD, 'size = 0x1000\n\n[[peripheral]]\nname = "dwt"',
                      'size = 0x1000\nirq = "nvic@3"\n\n[[peripheral]]\nname = "dwt"')
    result = run(ARM_DEMO, uart)
    assert result.exit_code == 2
    assert "peripheral 'uart0': key 'irq': kind 'cmsdk-uart' has no interrupt output" in result.output


def by_name(machine: Machine, name: str):
    return next(p for p in machine.bus.peripherals if p.name == name)


def test_the_bus_connects_arm_timers_to_nvic_inputs_and_systick_inside_the_scs():
    m = Machine.load(ARM_DEMO, board="cortex-m4")
    timer0, timer1 = by_name(m, "timer0"), by_name(m, "timer1")
    assert isinstance(timer0.irq.target, LatchedInput)
    assert (timer0.irq.target.number, timer1.irq.target.number) == (24, 25)
    assert [i.number for i in m.core.nvic.inputs] == [15, 24, 25]     # SysTick, then the board's


def test_the_bus_connects_pit_channels_to_consecutive_intc_sources_or_a_list(tmp_path):
    m = Machine.load(PPC_DEMO, board="e200-mcu")
    pit, intc = by_name(m, "pit"), by_name(m, "intc")
    assert all(isinstance(line.target, LevelInput) for line in pit.outputs)
    assert [line.target.number for line in pit.outputs] == [59, 60, 61, 62]
    listed = board_file(tmp_path, PPC_BOARD, 'irq = "intc@59"', 'irq = [70, "intc@71", 72, 80]')
    pit = by_name(Machine.load(PPC_DEMO, board=listed), "pit")
    assert [line.target.number for line in pit.outputs] == [70, 71, 72, 80]
    pit.outputs[3].set(True)
    assert pit.outputs[3].target.level and intc.sources == 308


def test_an_asserted_pit_line_is_an_intc_request_at_once():
    m = Machine.load(PPC_DEMO, board="e200-mcu")
    pit, intc = by_name(m, "pit"), by_name(m, "intc")
    pit.outputs[1].set(True)
    assert intc.pending(60) and not intc.pending(59)
    pit.outputs[1].set(False)
    assert not intc.pending(60)


def test_plain_numbers_and_lists_run_firmware_exactly_as_the_built_in_boards(tmp_path):
    plain = board_file(tmp_path, ARM_BOARD, 'irq = "nvic@8"', "irq = 8")
    assert load_board(plain).peripherals[0].irq == (IrqRef(None, 8),)
    assert run(ARM_DEMO, plain).output == run(ARM_DEMO, BUILTIN / "cortex-m4.toml").output.replace(
        str(BUILTIN / "cortex-m4.toml"), str(plain))
    listed = board_file(tmp_path, PPC_BOARD, 'irq = "intc@59"',
                        'irq = ["intc@59", "intc@60", "intc@61", "intc@62"]')
    expected = run(PPC_DEMO, BUILTIN / "e200-mcu.toml")
    got = run(PPC_DEMO, listed)
    assert got.exit_code == expected.exit_code == 0
    assert got.output.replace("chip", "e200-mcu") == expected.output
