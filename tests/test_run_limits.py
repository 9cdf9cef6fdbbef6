"""Firmware that never exits: ``--run-for`` / ``--idle-ok`` on run and check, duration parsing, and
the run header's slow-clock warning."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from armfw import build
from elf32 import make_elf
from emulator.cli import main
from emulator.errors import BadInput
from emulator.machine.runlimits import parse_duration

# Production-style firmware: a SysTick every 5,000 cycles, and the thread idles in WFI forever.
IDLE_FOREVER = """
reset:
  ldr r0, =0xE000E014
  ldr r1, =4999
  str r1, [r0]              @ SYST_RVR
  ldr r0, =0xE000E010
  movs r1, #7
  str r1, [r0]              @ SYST_CSR: enable, TICKINT, core clock
idle:
  wfi
  b idle
tick:
  bx lr
"""


def cli(*args):
    return CliRunner().invoke(main, list(map(str, args)))


@pytest.fixture
def idle_image(tmp_path):
    """The image as an ELF without symbols (check runs ELF images)."""
    code = build(tmp_path, IDLE_FOREVER, {15: "tick"}).read_bytes()
    path = tmp_path / "idle.elf"
    path.write_bytes(make_elf([(0, code)]))
    return path


def run_args(image):
    return ["run", image, "--max-cycles", "10000000"]


@pytest.mark.parametrize("text, cycles", [
    ("2000000", 2_000_000), ("2_000_000", 2_000_000), ("5M", 5_000_000), ("1.5k", 1500),
    ("2s", 50_000_000), ("500ms", 12_500_000), ("20us", 500), (7, 7),
])
def test_durations_are_cycles_or_model_time_at_the_boards_clock(text, cycles):
    assert parse_duration(text, 25_000_000) == cycles


@pytest.mark.parametrize("text", ["", "2 parsecs", "-1", "0", "nan", "1e400s", True, "0.00001ns"])
def test_bad_durations_are_one_line_errors(text):
    with pytest.raises(BadInput, match="--run-for"):
        parse_duration(text, 25_000_000)


def test_an_idle_forever_firmware_fails_at_the_budget_without_run_for(idle_image):
    result = cli(*run_args(idle_image), "--max-cycles", "100000")
    assert result.exit_code == 1
    assert "exit: budget — cycle budget of 100,000 cycles reached at 0x000000" in result.output
    assert "(thread)" in result.output


def test_with_run_for_it_ends_as_stopped_and_exits_0(idle_image):
    result = cli(*run_args(idle_image), "--run-for", "2ms")
    assert result.exit_code == 0, result.output
    assert "exit: stopped — ran for 50,000 cycles as asked at 0x000000" in result.output
    assert "SysTick    #15" in result.output and "taken       9" in result.output      # at 5,0xx, 10,0xx ... 45,0xx


def test_check_passes_it_with_a_manifest_run_for(idle_image, tmp_path):
    manifest = tmp_path / "ci.toml"
    manifest.write_text(f'[defaults]\nrun_for = "2ms"\nboard = "cortex-m4"\n'
                        f'[[image]]\npath = "{idle_image.name}"\n')
    failing = cli("check", idle_image, "--max-cycles", "100000", "--jobs", "1")
    assert failing.exit_code == 1 and "run ended: budget" in failing.output
    passing = cli("check", manifest, "--max-cycles", "100000", "--jobs", "1")
    assert passing.exit_code == 0, passing.output
    assert passing.output.startswith("PASS")
    from_cli = cli("check", idle_image, "--run-for", "50000", "--jobs", "1")
    assert from_cli.exit_code == 0, from_cli.output


def test_idle_ok_lets_a_firmware_that_stops_its_timer_and_sleeps_pass(tmp_path):
    code = build(tmp_path, "reset:\n  cpsid i\nsleep:\n  wfi\n  b sleep\n").read_bytes()
    path = tmp_path / "sleeper.elf"
    path.write_bytes(make_elf([(0, code)]))
    assert cli(*run_args(path)).exit_code == 1                      # deadlock
    result = cli(*run_args(path), "--idle-ok")
    assert result.exit_code == 0 and "exit: stopped" in result.output


def test_a_bad_manifest_run_for_names_the_key(tmp_path, idle_image):
    manifest = tmp_path / "ci.toml"
    manifest.write_text(f'[[image]]\npath = "{idle_image.name}"\nrun_for = "soon"\n')
    result = cli("check", manifest)
    assert result.exit_code == 2
    assert "key 'image[0].run_for'" in result.output and "not a duration" in result.output


def test_the_run_header_warns_when_the_native_clock_is_missing(idle_image, monkeypatch):
    from emulator.engine import clock
    monkeypatch.setattr(clock, "_NATIVE", (None, "helper not built (test)"))
    result = cli(*run_args(idle_image), "--run-for", "10000")
    assert ("warning: the native block clock is not built (helper not built (test)); the "
            "pure-Python clock runs, several times slower") in result.output
    monkeypatch.undo()
    assert "native block clock is not built" not in cli(*run_args(idle_image), "--run-for",
                                                         "10000").output
