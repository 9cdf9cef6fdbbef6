"""explore's shared-write detection on gcc firmware: a counter both thread code and the SysTick
handler increment (firmware/c/arm/shared_count.c, built by firmware/c/shared_count.mk into a
temporary directory).  A plain run is clean; ``--window count_event`` finds the lost update at
the boundaries between the thread's load and its store, and the replay loses the update."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from test_gcc_firmware import make_images, require_tool
from emulator.explore import Options, explore
from emulator.explore.summary import distinct_findings, render_explore_json, replay_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> str:
    require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("shared-count")
    make_images(out, f"{out}/arm/shared_count.elf")
    return str(out / "arm" / "shared_count.elf")


def fwsandbox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300)


def test_a_plain_run_loses_no_update(image):
    done = fwsandbox("run", image)
    assert done.returncode == 0 and "no update lost" in done.stdout


def test_explore_with_the_update_function_as_window_finds_the_lost_update(image):
    ex = explore(image, Options(windows=("count_event",)))
    found = distinct_findings(ex)
    assert [d.finding.kind for d in found] == ["shared-write"]
    item = found[0]
    details = dict(item.finding.details)
    assert details["object"] == "events" and details["handler_store"].startswith("systick_isr+")
    assert item.finding.location == "count_event+0x6"            # the thread's str (objdump)
    # between `ldr r3, [r2, #4]` (+0x2) and `str` (+0x6): after the load, before the store
    assert [p.location for p in ex.points if p.index in item.points] == [
        "count_event+0x4", "count_event+0x6"]
    assert item.in_window == 4


def test_without_the_window_nothing_is_explored_and_nothing_found(image):
    ex = explore(image, Options())
    assert ex.points == () and distinct_findings(ex) == ()


def test_the_replay_loses_the_update_and_reports_are_identical_however_branched(image):
    docs = {render_explore_json(explore(image, Options(windows=("count_event",), jobs=j, via=v)))
            for j, v in ((1, "fork"), (2, "fork"), (1, "rerun"))}
    assert len(docs) == 1
    ex = explore(image, Options(windows=("count_event",)))
    replay = replay_command(ex, distinct_findings(ex)[0].point)
    done = fwsandbox(*replay.split()[1:])
    assert done.returncode == 1 and "an update was lost" in done.stdout
