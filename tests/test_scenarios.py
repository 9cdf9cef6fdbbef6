"""Every sample firmware image runs under ``fwsandbox run`` to its ``.expected`` exit and findings."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted(ROOT.glob("firmware/*/*.expected"))


def _key(finding: dict) -> tuple:
    problem = finding.get("problem") or finding.get("details", {}).get("problem")
    handler = finding.get("handler", finding.get("context", {}).get("handler"))
    return finding["kind"], finding.get("function"), handler, finding.get("location"), problem


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[f"{p.parent.name}/{p.stem}" for p in EXPECTED])
def test_scenario_image_gives_exactly_its_expected_findings(expected_path, monkeypatch):
    expected = json.loads(expected_path.read_text())
    image = ROOT / expected["image"]
    if not image.exists():
        pytest.skip(f"{expected['image']} not built")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["run", expected["image"], "--format", "json"])
    doc = json.loads(result.output)
    assert doc["exit"] == expected["exit"]
    assert result.exit_code == expected["fwsandbox_exit_code"]
    got = sorted(_key(f) for f in doc["findings"])
    want = sorted(_key(f) for f in expected["findings"])
    assert got == want, json.dumps(doc["findings"], indent=1)


def test_the_clean_demo_also_prints_its_console_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["run", "firmware/arm/demo.elf"])
    assert result.exit_code == 0 and "demo: ok" in result.output
