"""fwsandbox explore and run --inject-irq: exact injection, races a single run misses, replay,
determinism (issue 17)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.errors import BadInput
from emulator.events import InterruptEntered
from emulator.explore import Injection, Injector, Options, explore, parse_injection
from emulator.explore.summary import distinct_findings, render_explore_json
from emulator.session import prepare

ROOT = Path(__file__).resolve().parent.parent
WINDOW = {"arm": "firmware/arm/pool_window.elf", "ppc": "firmware/ppc/pool_window.elf"}
ARCHES = sorted(WINDOW)


def fwsandbox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=300)


@pytest.fixture(scope="module", params=ARCHES)
def explored(request):
    return request.param, explore(WINDOW[request.param], Options())


def test_injection_text_parses_and_bad_text_is_bad_input():
    assert parse_injection("15@5_123") == Injection(15, 5123)
    assert parse_injection(" 59 @ 1,282 ") == Injection(59, 1282)
    for text in ("15", "x@3", "15@", "-1@4"):
        with pytest.raises(BadInput, match="expected N@CYCLE"):
            parse_injection(text)


@pytest.mark.parametrize("args,message", [
    (["--inject-irq", "15@x"], "expected N@CYCLE"),
    (["--inject-irq", "300@10"], "irq 300 is not an exception of board 'cortex-m4'"),
])
def test_run_rejects_a_bad_injection_with_one_line_and_exit_2(args, message):
    done = fwsandbox("run", WINDOW["arm"], *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_a_plain_run_of_pool_window_is_clean_on_both_isas():
    for image in WINDOW.values():
        done = fwsandbox("run", image)
        assert done.returncode == 0, done.stdout
        assert "pool_window: ticked after the allocations" in done.stdout


def test_explore_finds_the_reentry_inside_the_thread_allocator(explored):
    arch, ex = explored
    assert ex.plain.results.findings == ()
    found = distinct_findings(ex)
    reentry = [d for d in found if d.finding.kind == "allocator-reentry"
               and dict(d.finding.details)["interrupted_function"] == "pool_alloc_nomask"
               and dict(d.finding.details)["interrupted_context"] == "thread"]
    assert reentry, [d.finding.message for d in found]
    first = reentry[0]
    assert first.point.location.startswith("pool_alloc_nomask+")
    assert first.point.window.startswith("pool_alloc_nomask from main+")
    # every boundary after the entry of the unmasked allocator lets the handler in
    assert len(first.points) == first.in_window > 3


def test_every_explored_point_preempts_exactly_its_boundary_when_injected_from_reset(explored):
    """The recorder's boundary cycles and the injector agree: injecting N@cycle from reset
    preempts the very instruction the point names, on both ISAs."""
    arch, ex = explored
    for point in ex.points[:12]:
        machine, _ = prepare(WINDOW[arch], stream=False, before_probes=lambda m, r: Injector(
            m, [Injection(point.number, point.cycle)]))
        events = machine.run(timeout=20).events
        entered = [e for e in events if isinstance(e, InterruptEntered)
                   and e.cycle - e.entry_cycles == point.cycle]
        assert entered and entered[0].preempted_pc == point.pc, point


def test_the_replay_command_reproduces_the_finding(explored):
    arch, ex = explored
    item = distinct_findings(ex)[0]
    doc = json.loads(render_explore_json(ex))
    replay = doc["findings"][0]["replay"]
    assert replay == f"fwsandbox run {WINDOW[arch]} --inject-irq {item.point.number}@{item.point.cycle}"
    done = fwsandbox(*replay.split()[1:])
    assert done.returncode == 1
    assert item.finding.message in done.stdout
    assert f"injected: {ex.irq_names[item.point.number]} pended at cycle {item.point.cycle:,}" in done.stdout


@pytest.mark.parametrize("arch", ARCHES)
def test_reports_are_identical_forked_with_any_jobs_and_rerun_from_reset(arch):
    docs = {render_explore_json(explore(WINDOW[arch], Options(jobs=jobs, via=via)))
            for jobs, via in ((1, "fork"), (2, "fork"), (3, "fork"), (1, "rerun"))}
    assert len(docs) == 1


def test_masked_allocators_give_no_findings_and_their_masked_boundaries_are_not_explored():
    ex = explore("firmware/arm/demo.elf", Options(max_points=150, jobs=2))
    assert distinct_findings(ex) == () and ex.plain.results.findings == ()
    assert len(ex.points) == 150 and all(r.reason == "window" for r in ex.results)
    assert ex.coverage.masked > 0                    # pool_alloc's cpsid section
    assert all(not p.location.startswith("pool_alloc+0x") or p.location in ALLOC_OPEN
               for p in ex.points)


# allocators_asm/arm/pool.s: mrs (4 bytes) | cpsid ... msr primask (4 bytes) | mov, bx lr
ALLOC_OPEN = {"pool_alloc+0x4", "pool_alloc+0x18", "pool_alloc+0x1a"}


def test_explore_cli_text_json_and_exit_codes():
    text = fwsandbox("explore", WINDOW["arm"])
    assert text.returncode == 1 and text.stderr == ""
    assert "schedule: irq 15 at pool_alloc_nomask+0x" in text.stdout
    assert "replay: fwsandbox run firmware/arm/pool_window.elf --inject-irq 15@" in text.stdout
    doc = json.loads(fwsandbox("explore", WINDOW["arm"], "--format", "json", "-j", "2").stdout)
    assert doc["schema"] == "fwsandbox-explore/1" and doc["findings"]
    assert doc["coverage"]["branches_run"] == doc["coverage"]["injections"] > 0
    clean = fwsandbox("explore", WINDOW["arm"], "--irq", "16")
    assert clean.returncode == 0 and "0 findings" in clean.stdout


@pytest.mark.parametrize("args,message", [
    (["--irq", "300"], "irq 300 is not an exception"),
    (["--window", "no_such_function"], "has no symbol 'no_such_function'"),
    (["--window", "0x20-0x10"], "the range is empty"),
])
def test_explore_bad_input_is_one_line_and_exit_2(args, message):
    done = fwsandbox("explore", WINDOW["arm"], *args)
    assert done.returncode == 2 and message in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_window_option_adds_a_function_of_the_users():
    ex = explore(WINDOW["arm"], Options(windows=("systick_stop",)))
    assert any(label.startswith("systick_stop from main+") for label in ex.coverage.windows)


def test_check_explores_images_whose_manifest_entry_says_so(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[image]]\npath = "{ROOT / WINDOW["arm"]}"\nname = "explored"\n'
                        f'explore = true\n[[image]]\npath = "{ROOT / WINDOW["arm"]}"\n'
                        'name = "plain"\n')
    sarif = tmp_path / "out.sarif"
    done = fwsandbox("check", str(manifest), "--sarif", str(sarif), "-j", "1")
    assert done.returncode == 1, done.stdout
    assert "FAIL  explored" in done.stdout and "PASS  plain" in done.stdout
    assert "allocator-reentry" in sarif.read_text()


def test_a_bad_explore_key_names_the_manifest_and_the_key(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[image]]\npath = "{ROOT / WINDOW["arm"]}"\nexplore = "yes"\n')
    done = fwsandbox("check", str(manifest))
    assert done.returncode == 2
    assert "key 'image[0].explore': expected true or false" in done.stderr


def test_stride_and_max_points_thin_the_points_and_say_how_many_they_skipped():
    every = explore(WINDOW["arm"], Options())
    halved = explore(WINDOW["arm"], Options(stride=2))
    capped = explore(WINDOW["arm"], Options(max_points=3))
    assert 0 < len(halved.points) < len(every.points) and halved.coverage.skipped > 0
    assert all(p.boundary % 2 == 0 for p in halved.points)
    assert len(capped.points) == 3
    assert capped.coverage.skipped == len(every.points) - 3


def test_to_end_runs_each_branch_to_the_end_of_the_run():
    ex = explore(WINDOW["arm"], Options(to_end=True, max_points=4))
    assert [r.reason for r in ex.results] == ["exit"] * 4


def test_the_pure_python_clock_explores_the_same_points_with_the_same_report():
    import os
    native = fwsandbox("explore", WINDOW["ppc"], "--format", "json")
    env = dict(os.environ, FWSANDBOX_CLOCK="python")
    python = subprocess.run([sys.executable, "-m", "emulator", "explore", WINDOW["ppc"],
                             "--format", "json"], cwd=ROOT, text=True, capture_output=True,
                            timeout=300, env=env)
    assert python.returncode == native.returncode == 1
    assert python.stdout == native.stdout


def test_an_address_range_window_is_explored_from_its_first_address_until_control_leaves_it():
    from emulator.machine.machine import Machine
    symbols = Machine.load(WINDOW["arm"]).image.symbols
    lo, hi = symbols.get("pool_alloc_nomask") & ~1, symbols.get("pool_free_nomask") & ~1
    ex = explore(WINDOW["arm"], Options(windows=(f"{lo:#x}-{hi:#x}",)))
    label = f"{lo:#x}-{hi:#x}"
    mine = [p for p in ex.points if p.window == label]
    assert mine and all(lo <= p.pc < hi for p in mine)
    assert any(d.point.window == label and d.finding.kind == "allocator-reentry"
               for d in distinct_findings(ex))


def test_windows_only_in_the_one_handler_are_covered_but_not_injected_into():
    """isr_heap allocates only in its SysTick handler: SysTick cannot preempt itself, so every
    boundary is counted as not takeable, and the summary still names the interrupt."""
    ex = explore("firmware/arm/isr_heap.elf", Options())
    assert ex.points == () and ex.coverage.masked == ex.coverage.boundaries > 0
    assert ex.irq_names == {15: "irq 15"}


def test_the_book_e_lost_update_is_found_at_the_boundaries_between_load_and_store():
    """firmware/ppc/shared_count.s: count_event is lis / lwz (+0x4) / addi (+0x8) / stw (+0xc)."""
    image = "firmware/ppc/shared_count.elf"
    assert fwsandbox("run", image).returncode == 0
    ex = explore(image, Options(windows=("count_event",)))
    found = distinct_findings(ex)
    assert [d.finding.kind for d in found] == ["shared-write"]
    item = found[0]
    assert item.finding.location == "count_event+0xc"
    assert dict(item.finding.details)["object"] == "events"
    assert [p.location for p in ex.points if p.index in item.points] == [
        "count_event+0x8", "count_event+0xc"]
    replay = fwsandbox("run", image, "--inject-irq", f"59@{item.point.cycle}")
    assert replay.returncode == 1 and "shared_count: an update was lost" in replay.stdout
