"""``fwsandbox check``: scenario exit codes, parallel = serial, shards, manifests and bad input."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [(p, json.loads(p.read_text())) for p in sorted(ROOT.glob("firmware/*/*.expected"))]
BUILT = [(p, e) for p, e in SCENARIOS if (ROOT / e["image"]).exists()]
IMAGES = [e["image"] for _, e in BUILT]


def check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("expected", [e for _, e in BUILT], ids=[f"{p.parent.name}/{p.stem}" for p, _ in BUILT])
def test_each_scenario_image_gives_its_expected_exit_code(expected):
    result = check(expected["image"], "--jobs", "1")
    assert result.exit_code == expected["fwsandbox_exit_code"], result.output
    verdict = "PASS" if expected["fwsandbox_exit_code"] == 0 else "FAIL"
    assert result.stdout.splitlines()[0].startswith(f"{verdict}  {expected['image']}")


def test_all_scenarios_together_fail_and_list_one_line_per_image_and_a_total():
    result = check(*IMAGES)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    heads = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert [h.split()[1] for h in heads] == sorted(IMAGES)
    clean = sum(e["fwsandbox_exit_code"] == 0 for _, e in BUILT)
    assert lines[-1].startswith(f"fwsandbox check: {len(IMAGES)} images, {clean} passed, "
                                f"{len(IMAGES) - clean} failed")
    assert result.stderr == ""                 # no progress line when stderr is not a terminal


def test_a_clean_image_exits_0():
    result = check("firmware/arm/demo.elf")
    assert result.exit_code == 0
    assert result.stdout.endswith("fwsandbox check: 1 image, 1 passed, 0 failed, 0 findings\n")


def test_jobs_2_gives_byte_identical_output_to_jobs_1(tmp_path):
    outputs = {}
    for jobs in ("1", "2"):
        result = check(*reversed(IMAGES), "--jobs", jobs, "--junit", tmp_path / f"{jobs}.xml",
                       "--sarif", tmp_path / f"{jobs}.sarif")
        outputs[jobs] = (result.exit_code, result.stdout, (tmp_path / f"{jobs}.xml").read_text(),
                         (tmp_path / f"{jobs}.sarif").read_text())
    assert outputs["1"] == outputs["2"]


def suites(junit: Path) -> list[str]:
    return [s.get("name") for s in ET.parse(junit).getroot()]


def test_shards_1_to_3_of_3_cover_every_image_exactly_once(tmp_path):
    seen = []
    for k in (1, 2, 3):
        junit = tmp_path / f"shard{k}.xml"
        result = check(*IMAGES, "--shard", f"{k}/3", "--junit", junit)
        assert result.exit_code in (0, 1), result.output
        seen += suites(junit)
    assert sorted(seen) == sorted(IMAGES) and len(seen) == len(set(seen))


def test_a_manifest_runs_its_images_with_their_board_and_rules(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text((ROOT / "emulator/rules/profiles/fwsandbox.toml").read_text()
                     + "\n[budgets.cycles.pool_alloc]\nmax = 10\n")
    manifest = tmp_path / "fw.toml"
    manifest.write_text(f'[[image]]\npath = "{ROOT}/firmware/arm/demo.elf"\nname = "demo"\n'
                        f'board = "cortex-m4"\nrules = "rules.toml"\n')
    result = check(manifest)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("FAIL  demo")
    assert "cycle-budget: pool_alloc in thread: max" in result.stdout


def test_a_budget_exceeded_fails_the_image(tmp_path):
    text = (ROOT / "emulator/rules/profiles/fwsandbox.toml").read_text()
    path = tmp_path / "tight.toml"
    path.write_text(text.replace("# isr_stack_bytes = 1024", "isr_stack_bytes = 32"))
    result = check("firmware/arm/demo.elf", "--rules", path)
    assert result.exit_code == 1
    assert "stack-budget: isr stack high-water mark 64 bytes exceeds the budget of 32" in result.stdout


def test_a_run_that_does_not_exit_fails_with_its_end_reason():
    result = check("firmware/arm/demo.elf", "--max-cycles", "1000")
    assert result.exit_code == 1
    assert "run ended: budget" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["firmware/arm/nope.elf"], "firmware/arm/nope.elf: no such image file"),
    (["firmware/arm/demo.elf", "--shard", "3/2"], "--shard '3/2': expected K/N"),
    (["firmware/arm/demo.elf", "--update-baseline"], "--update-baseline needs --baseline"),
    (["firmware/arm/demo.elf", "--tolerance", "-1"], "--tolerance -1"),
    (["firmware/arm/demo.elf", "--tolerance", "nan"], "--tolerance nan"),
    (["firmware/arm/demo.elf", "--jobs", "0"], "--jobs 0"),
    (["firmware/arm/demo.elf", "--baseline", "pyproject.toml"], "pyproject.toml: not a fwsandbox baseline"),
    (["firmware/arm/demo.elf", "--baseline", "nope.json"], "nope.json: no such baseline file"),
    (["firmware/arm/demo.elf", "--junit", "no/such/dir/j.xml"], "no/such/dir/j.xml: cannot write"),
    (["firmware/arm/demo.elf", "--sarif", "firmware"], "firmware: cannot write"),
    (["firmware/arm/demo.elf", "--baseline", "firmware"], "firmware: cannot read baseline"),
    (["firmware/arm/demo.elf", "--rules", "nope.toml"], "nope.toml: no such rules file"),
    (["firmware/arm/demo.elf", "--rules", "firmware"], "firmware: no such rules file"),
    (["firmware/arm/demo.elf", "--board", "my-chip.toml"], "my-chip.toml: no such board file"),
    (["firmware/arm/demo.elf", "firmware/arm/demo.expected"], "demo.expected: not an ELF"),
])
def test_bad_input_is_one_line_and_exit_2(args, fragment):
    result = check(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" or fragment.endswith("not an ELF")
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("fwsandbox: error: ") and fragment in line


def test_a_bad_manifest_key_is_one_line_naming_file_and_key(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[image]]\npath = "x.elf"\nbaord = "cortex-m4"\n')
    result = check(manifest)
    assert result.exit_code == 2
    assert result.stderr == f"fwsandbox: error: {manifest}: key 'image[0].baord': unknown key " \
                            "(expected one of board, explore, idle_ok, name, path, rules, run_for)\n"


def test_an_existing_file_that_is_not_a_baseline_is_never_overwritten(tmp_path):
    target = tmp_path / "precious.json"
    target.write_text('{"mine": true}\n')
    result = check("firmware/arm/demo.elf", "--baseline", target, "--update-baseline")
    assert result.exit_code == 2 and target.read_text() == '{"mine": true}\n'


def test_a_terminal_gets_a_progress_line_on_stderr_and_stdout_stays_clean():
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "emulator", "check", *IMAGES[:2], "-j", "1"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=terminal, timeout=120)
        progress = os.read(controller, 65536).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert f"[1/2] {sorted(IMAGES[:2])[0]}" in progress and "[2/2] " in progress
    assert "[1/2]" not in done.stdout.decode()
