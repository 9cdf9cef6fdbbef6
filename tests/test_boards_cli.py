"""`fwsandbox boards`: every built-in board with its core, memory map and peripherals."""
from __future__ import annotations

from click.testing import CliRunner

from emulator.cli import main
from emulator.load.board import builtin_names, load_board


def test_lists_every_builtin_board_with_its_map_and_peripherals():
    out = CliRunner().invoke(main, ["boards"])
    assert out.exit_code == 0, out.output
    for name in builtin_names():
        board = load_board(name)
        assert f"{name}: {board.arch} {board.cpu}" in out.output
        for region in board.memory:
            assert f"{region.name:<8} 0x{region.base:08x}-0x{region.base + region.size - 1:08x}" \
                in out.output
        for p in board.peripherals:
            assert f"{p.name:<8} 0x{p.base:08x}" in out.output and p.kind in out.output
    assert "cmsdk-timer  -> nvic@8\n" in out.output                # timer0 of cortex-m4
    assert "mpc5604b-pit  -> intc@59,60,61,62\n" in out.output   # a line per PIT channel


def test_a_named_board_file_is_described_and_a_bad_one_is_one_line_exit_2(tmp_path):
    good = CliRunner().invoke(main, ["boards", "e200-mcu"])
    assert good.exit_code == 0 and good.output.startswith("e200-mcu: ppc-booke e200")
    assert "cortex-m4" not in good.output
    bad = tmp_path / "b.toml"
    bad.write_text('[board]\nname = "x"\narch = "z80"\n')
    out = CliRunner().invoke(main, ["boards", str(bad)])
    assert out.exit_code == 2
    assert out.output.count("\n") == 1 and f"{bad}:3: key 'board.arch'" in out.output
