"""The check baseline: stable file, round trip, and regressions (new findings, slower allocators)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.errors import BadInput
from emulator.gate.baseline import compare, entry_of, grew, load_baseline, render_baseline

ROOT = Path(__file__).resolve().parent.parent
ARM = ROOT / "firmware" / "arm"


def check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def report(findings=(), allocations=(), high_water=64):
    return {"board": "cortex-m4", "cycle_model": {"name": "m", "version": "m/1"},
            "findings": list(findings), "stacks": [{"name": "isr", "high_water": high_water}],
            "allocations": [{"function": f, "context": c, "max": mx, "p99": p99}
                            for f, c, mx, p99 in allocations]}


def finding(kind="alloc-in-isr", location="isr+0x4", cycle=100, count=1):
    return {"kind": kind, "function": "heap_malloc", "location": location, "cycle": cycle,
            "count": count, "pc": 0x40, "message": f"at cycle {cycle}",
            "context": {"handler": "isr", "irq": 15}}


def test_a_finding_is_keyed_without_cycle_count_pc_or_message():
    old = entry_of(report([finding(cycle=100, count=1)]))
    new = entry_of(report([finding(cycle=999, count=7)]))
    assert old == new and compare(old, new, 0) == []


def test_a_new_finding_is_a_regression_and_a_fixed_one_is_not():
    old = entry_of(report([finding(location="isr+0x4")]))
    new = entry_of(report([finding(location="isr+0x8")]))
    (reg,) = compare(old, new, 0)
    assert reg["message"] == "new finding [alloc-in-isr] heap_malloc at isr+0x8 in isr"
    assert compare(old, entry_of(report()), 0) == []


def test_cycle_growth_beyond_the_tolerance_is_a_regression():
    old = entry_of(report(allocations=[("pool_alloc", "thread", 100, 90)]))
    new = entry_of(report(allocations=[("pool_alloc", "thread", 105, 90)]))
    (reg,) = compare(old, new, 0)
    assert reg["message"] == "pool_alloc in thread: max 100 -> 105 cycles (+5.0%, tolerance 0%)"
    assert reg["details"] == {"metric": "max", "baseline": 100, "value": 105}
    assert compare(old, new, 5) == [] and len(compare(old, new, 4.9)) == 1


def test_stack_growth_and_p99_growth_are_regressions_and_shrinking_is_not():
    old = entry_of(report(allocations=[("f", "isr", 10, 10)], high_water=64))
    new = entry_of(report(allocations=[("f", "isr", 10, 12)], high_water=80))
    messages = [r["message"] for r in compare(old, new, 10)]
    assert messages == ["f in isr: p99 10 -> 12 cycles (+20.0%, tolerance 10%)",
                        "isr stack: high-water 64 -> 80 bytes (+25.0%, tolerance 10%)"]
    assert compare(new, old, 0) == []


def test_growth_from_zero_is_always_a_regression():
    assert grew(0, 1, 1000) and not grew(0, 0, 0) and not grew(None, 5, 0)


def test_a_baseline_of_another_cycle_model_is_reported_and_its_cycles_not_compared():
    old = entry_of(report([finding(location="isr+0x4")], [("pool_alloc", "thread", 100, 90)]))
    newer = report([finding(location="isr+0x8")], [("pool_alloc", "thread", 900, 900)])
    newer["cycle_model"]["version"] = "m/2"
    regs = compare(old, entry_of(newer), 0)
    assert [r["details"]["metric"] for r in regs] == ["finding", "cycle_model"]
    assert regs[1]["message"] == ("baseline made with cycle model m/1, this run uses m/2: its "
                                  "cycle figures were not compared (re-record with "
                                  "--update-baseline)")


def test_an_image_without_a_baseline_entry_is_a_regression():
    (reg,) = compare(None, entry_of(report()), 0)
    assert "no baseline entry" in reg["message"]


def test_the_baseline_file_is_sorted_indented_and_newline_terminated():
    text = render_baseline({"b": entry_of(report()), "a": entry_of(report([finding()]))})
    assert text.endswith("}\n") and text.index('"a"') < text.index('"b"')
    assert json.loads(text)["schema"] == "fwsandbox-baseline/1"
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "not a fwsandbox baseline (not JSON"),
    ('{"version": "2.1.0", "runs": []}', "key 'schema': not a fwsandbox baseline"),
    ('{"schema": "fwsandbox-baseline/1", "images": []}', "key 'images'"),
    ('{"schema": "fwsandbox-baseline/1", "images": {"x": {"findings": {}}}}',
     "key 'images.x.findings'"),
])
def test_a_file_that_is_not_our_baseline_is_bad_input(tmp_path, content, fragment):
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BadInput) as info:
        load_baseline(path)
    assert str(info.value).startswith(str(path)) and fragment in str(info.value)


def test_update_then_check_round_trips_with_exit_0(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.json"
    first = check("firmware/arm/demo.elf", "--baseline", baseline, "--update-baseline")
    assert first.exit_code == 0, first.output
    text = baseline.read_text()
    assert "/work" not in text and str(ROOT) not in text and "sha256" not in text
    again = check("firmware/arm/demo.elf", "--baseline", baseline)
    assert again.exit_code == 0, again.output
    assert "0 regressions against" in again.stdout
    check("firmware/arm/demo.elf", "--baseline", baseline, "--update-baseline")
    assert baseline.read_text() == text


def test_a_known_finding_still_fails_but_is_not_a_regression(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.json"
    assert check("firmware/arm/isr_heap.elf", "--baseline", baseline, "--update-baseline").exit_code == 1
    result = check("firmware/arm/isr_heap.elf", "--baseline", baseline)
    assert result.exit_code == 1 and "0 regressions" in result.stdout


def test_an_image_missing_from_the_baseline_fails_the_check(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.json"
    check("firmware/arm/demo.elf", "--baseline", baseline, "--update-baseline")
    shutil.copy(ARM / "demo.elf", tmp_path / "other.elf")
    result = check(tmp_path / "other.elf", "--baseline", baseline)
    assert result.exit_code == 1 and "no baseline entry" in result.stdout


def test_a_sharded_update_merges_into_the_baseline(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.json"
    images = ["firmware/arm/demo.elf", "firmware/arm/isr_heap.elf"]
    for k in (1, 2):
        check(*images, "--baseline", baseline, "--update-baseline", "--shard", f"{k}/2")
    assert sorted(json.loads(baseline.read_text())["images"]) == images
    check(images[0], "--baseline", baseline, "--update-baseline")
    assert sorted(json.loads(baseline.read_text())["images"]) == images[:1]


def slowed_demo(tmp_path: Path, extra_nops: int) -> bytes:
    """firmware/arm/demo.elf rebuilt with ``extra_nops`` NOPs at the top of pool_alloc."""
    pytest.importorskip("keystone")
    from tools.build_firmware import build_image
    root = tmp_path / "src"
    for folder in ("firmware/arm", "firmware/arm/lib", "allocators_asm/arm"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for source in (ROOT / folder).glob("*.s"):
            shutil.copy(source, root / folder / source.name)
    pool = root / "allocators_asm/arm/pool.s"
    text = pool.read_text()
    assert "pool_alloc:\n" in text
    pool.write_text(text.replace("pool_alloc:\n", "pool_alloc:\n" + "    nop\n" * extra_nops, 1))
    return build_image(root / "firmware/arm/demo.s", "arm", root)


def test_a_deliberately_slowed_allocator_is_caught_as_a_regression(tmp_path):
    image = tmp_path / "demo.elf"
    baseline = tmp_path / "baseline.json"
    image.write_bytes(slowed_demo(tmp_path, 0))
    assert check(image, "--baseline", baseline, "--update-baseline").exit_code == 0
    image.write_bytes(slowed_demo(tmp_path, 8))
    result = check(image, "--baseline", baseline)
    assert result.exit_code == 1, result.output
    assert "pool_alloc in thread: max" in result.stdout
    assert "pool_alloc in systick_handler: p99" in result.stdout
    assert "page_alloc" not in result.stdout
    assert check(image, "--baseline", baseline, "--tolerance", "100").exit_code == 0


def test_an_update_with_an_image_that_cannot_run_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    baseline = tmp_path / "baseline.json"
    result = check("firmware/arm/demo.elf", "README.md", "--baseline", baseline, "--update-baseline")
    assert result.exit_code == 2 and not baseline.exists()
    assert f"{baseline} not written (images could not be run)" in result.stdout
