"""`--trace`: the hook leaves at its limit (judged by the exit reason and by the hook's own count,
not by timing), and `--trace-from SYMBOL|CYCLE` starts it later without changing the run."""
import subprocess
import sys
from pathlib import Path

import pytest

from test_gcc_firmware import make_images, require_tool

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("trace-firmware")
    make_images(out, "all")
    return out


def _traced(elf: Path, limit: int, start=None, clock: str | None = None, monkeypatch=None):
    from emulator.machine.machine import Machine
    from emulator.probes.trace import Tracer
    if clock:
        monkeypatch.setenv("FWSANDBOX_CLOCK", clock)
    m = Machine.load(elf)
    lines: list[tuple[str, int]] = []
    tracer = Tracer(m, limit, lambda line: lines.append((line, m.now)), start)
    return m.run(timeout=120), tracer, lines, m   # a full trace is slow on a loaded machine


def _plain(elf: Path):
    from emulator.machine.machine import Machine
    return Machine.load(elf).run(timeout=30)


@pytest.mark.parametrize("arch,name", [("ppc", "pitpair"), ("arm", "taskswitch")])
def test_a_limited_trace_detaches_at_its_limit_and_the_run_ends_as_it_does_untraced(images, arch, name):
    elf = images / arch / f"{name}.elf"
    result, tracer, lines, _ = _traced(elf, 10)
    plain = _plain(elf)
    assert (result.reason, result.code, result.cycles, result.instructions) == (
        plain.reason, plain.code, plain.cycles, plain.instructions)
    assert plain.instructions > 300_000
    assert not tracer.attached and tracer.count == 10      # no call after the limit
    assert len(lines) == 11 and lines[-1][0] == "... trace limit of 10 instructions reached"


def test_trace_from_a_symbol_starts_at_its_first_instruction(images):
    elf = images / "arm" / "irqdemo.elf"
    result, tracer, lines, m = _traced(elf, 4, m_symbol(elf, "SysTick_Handler"))
    assert lines[0][0].split()[:3] == ["000000c0", "SysTick_Handler", "mov"]
    assert [line.split()[1] for line, _ in lines[1:3]] == ["SysTick_Handler+0x2", "systick_isr"]
    assert "[SysTick_Handler]" in lines[0][0]
    assert (result.reason, result.cycles) == (_plain(elf).reason, _plain(elf).cycles)
    assert not tracer.attached


def test_trace_from_a_cycle_starts_at_the_first_block_the_clock_reaches_it(images):
    elf = images / "ppc" / "irqdemo.elf"
    result, tracer, lines, _ = _traced(elf, 5, ("cycle", 200_000))
    assert len(lines) == 6 and all(now >= 200_000 for _, now in lines)
    full = _traced(elf, 2_000_000)[2]
    first = next(i for i, (_, now) in enumerate(full) if now >= 200_000)
    assert [line for line, _ in lines[:5]] == [line for line, _ in full[first:first + 5]]
    assert result.cycles == _plain(elf).cycles


def test_the_python_clock_traces_the_same_lines_from_a_symbol(images, monkeypatch):
    elf = images / "ppc" / "irqdemo.elf"
    start = m_symbol(elf, "main")
    native = [line for line, _ in _traced(elf, 40, start)[2]]
    python = [line for line, _ in _traced(elf, 40, start, "python", monkeypatch)[2]]
    assert native == python and len(native) == 41


def test_trace_from_an_unknown_symbol_is_one_line_and_exit_2(images):
    proc = subprocess.run([sys.executable, "-m", "emulator", "run", str(images / "arm" / "irqdemo.elf"),
                           "--trace-from", "no_such_fn"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"fwsandbox: error: --trace-from: {images / 'arm' / 'irqdemo.elf'} has no symbol "
        "'no_such_fn' (give a function name or a cycle number)"]


def test_the_cli_trace_from_prints_the_trace_on_stderr_and_the_report_unchanged(images):
    elf = str(images / "arm" / "irqdemo.elf")
    cmd = [sys.executable, "-m", "emulator", "run", elf]
    plain = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    traced = subprocess.run(cmd + ["--trace-from", "TIMER0_Handler", "--trace-limit", "2"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert traced.returncode == plain.returncode == 1 and traced.stdout == plain.stdout
    assert traced.stderr.splitlines()[0].split()[:2] == ["000000c6", "TIMER0_Handler"]
    assert traced.stderr.splitlines()[-1] == "... trace limit of 2 instructions reached"


def m_symbol(elf: Path, name: str) -> int:
    from emulator.load.image import load_image
    return load_image(elf).symbols.get(name) & ~1
