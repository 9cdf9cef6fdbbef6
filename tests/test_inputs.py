"""Bad input is a one-line error naming the file and the reason, exit code 2 — never a traceback."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from armfw import build
from elf32 import EM_PPC, make_elf
from emulator.load.board import load_board
from emulator.cli import main
from emulator.errors import BadInput
from emulator.load.image import load_image
from emulator.machine.machine import Machine

TINY = """
reset:
  ldr r1, =msg
  movs r0, #4
  bkpt #0xab
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
.align 2
msg: .asciz "hi from firmware\\n"
.align 2
"""


def cli(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def assert_bad_input(result, *fragments):
    """Exit 2 and error lines only (a file with several errors gives one line each), no
    traceback; every fragment in the first line."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert all(line.startswith("fwsandbox: error: ") for line in lines), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def tiny_elf(tmp_path):
    code = build(tmp_path, TINY, {}).read_bytes()
    path = tmp_path / "tiny.elf"
    path.write_bytes(make_elf([(0, code)]))
    return path


def test_an_elf_image_runs_and_prints_its_console_output(tiny_elf):
    result = cli("run", tiny_elf)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("hi from firmware\n")
    assert "exit: exit (code 0)" in result.output


def test_json_output_is_one_document_and_is_deterministic(tiny_elf):
    first, second = cli("run", tiny_elf, "--format", "json"), cli("run", tiny_elf, "--format", "json")
    assert first.output == second.output
    import json
    doc = json.loads(first.output)
    assert doc["exit"] == {"reason": "exit", "code": 0} and doc["findings"] == []
    assert doc["board"] == "cortex-m4" and doc["image"]["sha256"]


def test_truncated_elf_is_rejected(tmp_path, tiny_elf):
    bad = tmp_path / "cut.elf"
    bad.write_bytes(tiny_elf.read_bytes()[:90])
    assert_bad_input(cli("run", bad), "cut.elf", "truncated")


def test_x86_elf_is_rejected_with_its_machine(tmp_path):
    elf = tmp_path / "x86.elf"
    blob = bytearray(make_elf([(0, b"\x90" * 16)]))
    blob[18:20] = struct.pack("<H", 3)              # EM_386
    elf.write_bytes(bytes(blob))
    assert_bad_input(cli("run", elf), "x86.elf", "unsupported ELF machine")


def test_garbage_bytes_are_not_an_image(tmp_path):
    junk = tmp_path / "junk.elf"
    junk.write_bytes(bytes(range(256)) * 4)
    assert_bad_input(cli("run", junk), "junk.elf", "not an ELF file")


def test_a_segment_outside_the_board_memory_is_rejected(tmp_path):
    elf = tmp_path / "far.elf"
    elf.write_bytes(make_elf([(0, b"\0" * 8), (0x90000000, b"\1" * 64)]))
    assert_bad_input(cli("run", elf), "far.elf", "0x90000000", "outside")


def test_a_big_endian_ppc_image_does_not_fit_the_arm_board(tmp_path):
    elf = tmp_path / "ppc.elf"
    elf.write_bytes(make_elf([(0, b"\0" * 8)], machine=EM_PPC, big_endian=True))
    assert_bad_input(cli("run", elf, "--board", "cortex-m4"), "ppc.elf", "does not fit board")


@pytest.mark.parametrize("text,fragment", [
    ("[board]\nname = 'x'\n", "key 'board.arch': missing"),
    ("[board\n", "malformed board TOML"),
    ("[board]\nname='x'\narch='z80'\ncpu='c'\ncycle_model='m'\nclock_hz=1\nscratch=0\n", "key 'board.arch'"),
    ("[board]\nname='x'\narch='cortex-m'\ncpu='cortex-m4'\ncycle_model='cortex-m4'\nclock_hz=1\n"
     "scratch=0\n[[memory]]\nname='ram'\nbase=0\nsize=-4\n", "key 'memory[0].size'"),
    ("[board]\nname='x'\narch='cortex-m'\ncpu='c'\ncycle_model='m'\nclock_hz=1\nscratch=0\n"
     "[[memory]]\nname='ram'\nbase=0\nsize=4\n", "key 'board.cpu'"),
])
def test_malformed_board_files_name_the_key(tmp_path, tiny_elf, text, fragment):
    board = tmp_path / "myboard.toml"
    board.write_text(text)
    assert_bad_input(cli("run", tiny_elf, "--board", board), "myboard.toml", fragment)


def test_an_unknown_board_name_lists_the_built_in_ones(tiny_elf):
    assert_bad_input(cli("run", tiny_elf, "--board", "nosuch"), "cortex-m4")


def test_built_in_board_matches_the_mps2_an386_memory_map():
    board = load_board("cortex-m4")
    assert [(r.name, r.base, r.size) for r in board.memory] == [
        ("flash", 0, 0x400000), ("sram", 0x20000000, 0x400000)]
    assert {p.name: p.base for p in board.peripherals}["uart0"] == 0x40004000


def test_raw_binary_needs_a_base_address(tmp_path):
    raw = tmp_path / "fw.img"
    raw.write_bytes(b"\0" * 16)
    with pytest.raises(BadInput, match="--base"):
        load_image(raw)


def test_machine_call_runs_a_function_and_returns_r0(tmp_path):
    source = "reset:\n  b .\nadd3:\n  adds r0, r0, r1\n  adds r0, r0, r2\n  bx lr\n"
    path = build(tmp_path, source, {})
    m = Machine.load(path, board="cortex-m4", base=0, symbols=path.with_suffix(".sym"))
    assert m.call("add3", 1, 2, 39) == 42
    assert m.call("add3", 0xFFFFFFFF, 1, 0) == 0


def test_step_executes_one_instruction_at_a_time_and_run_until_stops_at_a_symbol(tmp_path):
    source = "reset:\n  movs r0, #1\n  adds r0, #2\n  bl there\n  b .\nthere:\n  adds r0, #4\n  bx lr\n"
    path = build(tmp_path, source, {})
    m = Machine.load(path, board="cortex-m4", base=0, symbols=path.with_suffix(".sym"))
    assert m.step(2) == 2 and m.reg("r0") == 3 and m.now == 2 and m.instructions == 2
    result = m.run_until("there")
    assert result.reason == "returned" and m.reg("pc") == m.symbol("there") and m.reg("r0") == 3


def test_a_board_file_reports_all_its_errors_each_with_file_line_and_key(tmp_path, tiny_elf):
    board = tmp_path / "chip.toml"
    board.write_text("[board]\nname = 'chip'\narch = 'cortex-m'\ncpu = 'cortex-m9'\n"
                     "cycle_model = 'cortex-m4'\nclock_hz = 0\nscratch = 0x30000000\nfpu_kind = 1\n"
                     "[[memory]]\nname = 'flash'\nbase = 0\nsize = 0x1000\n"
                     "[[memory]]\nname = 'ram'\nbase = 0x20000000\nsize = -1\n")
    result = cli("run", tiny_elf, "--board", board)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert [line.split(": key ")[0] for line in lines] == [
        f"fwsandbox: error: {board}:8", f"fwsandbox: error: {board}:4",
        f"fwsandbox: error: {board}:6", f"fwsandbox: error: {board}:16"]
    assert ["'board.fpu_kind'", "'board.cpu'", "'board.clock_hz'", "'memory[1].size'"] == [
        line.split(": key ")[1].split(":")[0] for line in lines]


def test_a_peripheral_parameter_of_the_wrong_type_is_an_error_before_the_run(tmp_path):
    from emulator.load.board import BUILTIN
    board = tmp_path / "mcu.toml"
    board.write_text((BUILTIN / "e200-mcu.toml").read_text().replace('irq = "intc@59"',
                                                                      "irq = 59.5"))
    result = cli("run", Path(__file__).parents[1] / "firmware/ppc/demo.elf", "--board", board)
    assert_bad_input(result, "key 'peripheral[0].irq': expected \"<controller>@<line>\"")
