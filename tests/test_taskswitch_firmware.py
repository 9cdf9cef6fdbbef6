"""A gcc-built two-thread firmware (PendSV switcher): allocation cycles leave out the other thread.

build/c/arm/taskswitch.elf (firmware/c/arm/taskswitch.c, built by firmware/c/taskswitch.mk):
task A calls pvPortMalloc/vPortFree in a loop while TIMER0 ticks wake task B, which PendSV
switches to for a CRC slice of ~10,000 cycles and back.  A switch that lands inside a
pvPortMalloc call shows in its wall time, not in its exclusive cycles, so the rules' budget of
1,000 cycles (firmware/c/rules/taskswitch.toml) holds.  QEMU is the peer for the console text.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from test_gcc_firmware import FIRMWARE, make_images, require_tool, run_qemu

RULES = FIRMWARE / "rules" / "taskswitch.toml"
CONSOLE = """\
fwsandbox taskswitch firmware: cortex-m4
a: allocations ok=300 heap restored=1 on task_a_stack=1
b: crc=12e885cf pool restored=1 on task_b_stack=1 ran=1
exit 0 via SYS_EXIT
"""
A_CONTEXT, B_CONTEXT = "thread@task_a_stack", "thread@task_b_stack"
B_SLICE_CYCLES = 5000                           # at least: a CRC over 160 bytes


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("taskswitch")
    make_images(out, f"{out}/arm/taskswitch.elf")
    return out / "arm" / "taskswitch.elf"


@pytest.fixture(scope="module")
def analysis(image):
    from emulator.session import analyse
    return analyse(image, rules_path=RULES)


def round_calls(analysis):
    """The loop's pvPortMalloc(64) calls: (exclusive, inclusive) of each."""
    return [(c.exclusive, c.inclusive) for c in analysis.report.calls
            if c.function == "pvPortMalloc" and c.args == "size=64"]


def test_the_taskswitch_image_prints_the_designed_text_on_qemu_and_on_fwsandbox(image, analysis):
    assert run_qemu(image) == (CONSOLE, 0)
    assert (analysis.result.output, analysis.result.code) == (CONSOLE, 0)


def test_a_switch_inside_pvportmalloc_is_in_its_wall_time_and_not_in_its_exclusive_cycles(analysis):
    calls = round_calls(analysis)
    alone = {exclusive for exclusive, inclusive in calls if exclusive == inclusive}
    switched = [(exclusive, inclusive) for exclusive, inclusive in calls
                if inclusive - exclusive >= B_SLICE_CYCLES]
    assert len(calls) == 300 and len(alone) == 1 and switched
    assert {exclusive for exclusive, _ in switched} == alone     # the allocator's own cycles


def test_the_other_threads_calls_are_its_own_and_contexts_are_named_by_thread_stack(analysis):
    stats = {(s.function, s.context): s for s in analysis.report.allocations}
    assert set(stats) == {("pvPortMalloc", A_CONTEXT), ("vPortFree", A_CONTEXT),
                          ("osPoolAlloc", B_CONTEXT), ("osPoolFree", B_CONTEXT)}
    pool = stats["osPoolAlloc", B_CONTEXT]
    assert pool.calls >= 1 and pool.inclusive_max == pool.max
    heap = stats["pvPortMalloc", A_CONTEXT]
    assert heap.inclusive_max >= heap.max + B_SLICE_CYCLES


def test_the_cycle_budget_holds_on_exclusive_cycles_although_the_wall_time_exceeds_it(analysis):
    [heap] = [s for s in analysis.report.allocations if s.function == "pvPortMalloc"]
    assert heap.max <= 1000 < heap.inclusive_max
    assert [f.kind for f in analysis.report.findings] == []


def test_the_csv_and_json_reports_show_the_wall_figures_beside_the_exclusive_ones(analysis):
    from emulator.report import render_csv, report_doc
    [heap] = [s for s in analysis.report.allocations if s.function == "pvPortMalloc"]
    row = next(line for line in render_csv(analysis.report).splitlines()
               if line.startswith(f"pvPortMalloc,{A_CONTEXT},"))
    assert row.endswith(f",{heap.inclusive_max},{heap.inclusive_p50},{heap.inclusive_p99}")
    [doc] = [a for a in report_doc(analysis.report)["allocations"] if a["function"] == "pvPortMalloc"]
    assert doc["inclusive"] == {"p50": heap.inclusive_p50, "p99": heap.inclusive_p99,
                                "max": heap.inclusive_max, "total": heap.inclusive_total}
