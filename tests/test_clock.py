"""The native block clock and its pure-Python twin agree step for step and report for report."""
from __future__ import annotations

import ctypes
import random
import time
from pathlib import Path

import pytest

from emulator.engine import clock
from emulator.engine.cyclemodel import BlockCost
from emulator.session import analyse
from emulator.report import render_json

ROOT = Path(__file__).resolve().parent.parent
IMAGES = sorted(ROOT.glob("firmware/*/*.elf")) + sorted(ROOT.glob("build/c/*/*.elf"))
SPIN = b"\xfe\xe7"
native = pytest.mark.skipif(clock._NATIVE[0] is None, reason="native block clock not built")


class TableModel:
    """A cycle model reading block costs from a table: {addr: (count, total, penalty, fall)}."""

    def __init__(self, table):
        self.table = table

    def block(self, code: bytes, addr: int) -> BlockCost:
        count, total, penalty, fall = self.table[addr]
        before = {addr + 2 * i: i for i in range(count)}
        return BlockCost(addr, count, total, before, {a: 2 for a in before}, penalty, fall)


def _code(addr: int, size: int) -> bytes:
    return SPIN if addr == 0x900 else b"\0" * size


def _drive(kind: str, table, trace, deadline, attention_at):
    """Feed a block trace to one clock; return (now, instructions, stops, block starts)."""
    model = TableModel(table)
    stops = []
    if kind == "native":
        c = clock.NativeClock(model, _code, SPIN, clock._NATIVE[0])
        stop_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(lambda uc: stops.append(c.stopped) or 0)
        c._s.emu_stop = ctypes.cast(stop_cb, ctypes.c_void_p).value
        hook = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32,
                                ctypes.c_void_p)(ctypes.cast(c._lib.bc_hook_block, ctypes.c_void_p).value)
        step = lambda a, s: hook(None, a, s, ctypes.addressof(c._s))
    else:
        c = clock.PyClock(model, _code, SPIN)
        c._stop = lambda: stops.append(c.stopped)
        step = c.on_block
    c.deadline, c.until = deadline, 0x500
    starts = []
    for i, (addr, size) in enumerate(trace):
        c.attention = i >= attention_at
        c.deliverable = lambda i=i: i % 7 == 0
        c.stopped = False
        step(addr, size)
        starts.append(c.block_start)
    return c.now, c.instructions, stops, starts


@native
@pytest.mark.parametrize("seed", range(20))
def test_native_and_python_clocks_take_the_same_steps_on_random_block_traces(seed):
    rng = random.Random(seed)
    addrs = [0x100 + 0x40 * i for i in range(12)] + [0x500, 0x900]
    table = {a: (rng.randint(1, 9), rng.randint(1, 40), rng.choice([0, 0, 2, 3]), a + 0x20)
             for a in addrs}
    trace = [(a, 2 * table[a][0]) for a in rng.choices(addrs, k=400)]
    trace += [(a + 0x20, 8) for a in rng.choices(addrs[:4], k=5)]      # fall-through blocks
    table.update({a + 0x20: (4, 5, 0, 0) for a in addrs[:4]})
    deadline, attention_at = rng.randint(500, 8000), rng.randint(100, 500)
    py = _drive("python", table, trace, deadline, attention_at)
    nat = _drive("native", table, trace, deadline, attention_at)
    assert nat == py
    assert py[2], "the trace must cross the deadline so that stops are compared too"


@native
def test_the_native_table_grows_past_its_first_size():
    table = {0x1000 + 4 * i: (1, 3, 0, 0) for i in range(5000)}
    trace = [(a, 2) for a in table] * 2
    assert _drive("native", table, trace, 1 << 40, 1 << 40) == \
        _drive("python", table, trace, 1 << 40, 1 << 40)


def _report(image: Path, kind: str, monkeypatch) -> str:
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    board = "cortex-m33" if image.stem.endswith("_m33") else None    # the mps2-an505 map
    analysis = analyse(image, board, max_cycles=20_000_000, timeout=60)
    assert analysis.machine.clock.kind == kind
    return render_json(analysis.report)


@native
@pytest.mark.parametrize("image", IMAGES, ids=[f"{p.parent.name}/{p.stem}" for p in IMAGES])
def test_every_image_gives_byte_identical_reports_through_both_clocks(image, monkeypatch):
    monkeypatch.chdir(ROOT)
    image = image.relative_to(ROOT)
    assert _report(image, "native", monkeypatch) == _report(image, "python", monkeypatch)


def test_the_python_clock_is_forced_by_the_environment(monkeypatch):
    monkeypatch.setenv("FWSANDBOX_CLOCK", "python")
    assert clock.active_kind() == "python"
    assert "pure Python" in clock.describe()


@pytest.mark.parametrize("kind", ["native", "python"])
def test_an_endless_busy_loop_ends_at_the_wall_clock_timeout(kind, tmp_path, monkeypatch):
    if kind == "native" and clock._NATIVE[0] is None:
        pytest.skip("native block clock not built")
    from armfw import build
    from emulator.machine.machine import Machine
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    image = build(tmp_path, "reset:\n  adds r0, #1\n  b reset\n")
    m = Machine.load(image, board="cortex-m4", base=0, symbols=image.with_suffix(".sym"))
    started = time.monotonic()
    result = m.run(max_cycles=1 << 60, timeout=0.3)
    elapsed = time.monotonic() - started
    assert result.reason == "timeout"
    assert result.message in ("wall-clock timeout at reset (thread)",
                              "wall-clock timeout at reset+0x2 (thread)")
    assert 0.3 <= elapsed < 1.5 and result.instructions > 10_000
