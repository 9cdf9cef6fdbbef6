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


def test_ppc_pool_unmasked_timeout_is_taken_inside_the_window_the_cycle_model_predicts():
    """firmware/ppc/pool_unmasked.s times PIT0 by hand under the e200z6 model: call 9 enters
    pool_alloc_nomask at E and a timeout at E+1..E+3 is taken at +0xc, after the head load.
    Patching its ``li 3, LDVAL`` moves the timeout: one cycle either side of the window misses."""
    import struct

    from emulator.machine.machine import Machine
    image = ROOT / "firmware" / "ppc" / "pool_unmasked.elf"
    entry = 9 + 35 * 9                                  # E - T, from the source's hand count
    li_r3 = 0x38600000                                  # addi r3, 0, imm (li)
    outcomes = {}
    for deadline in range(0, 5):                        # timeout at E + deadline
        m = Machine.load(str(image))
        main = m.symbol("main")
        code = m.read(main, m.symbols.by_name["main"].size)
        words = struct.unpack(f">{len(code) // 4}I", code)
        at = main + 4 * words.index(li_r3 | (10 + 35 * 9))
        m.write(at, struct.pack(">I", li_r3 | (entry + deadline - 1)))
        result = m.run(max_cycles=1_000_000, timeout=10)
        outcomes[deadline] = (result.code, "at +12 in call 10" in result.output)
    assert outcomes == {0: (2, False), 1: (0, True), 2: (0, True), 3: (0, True), 4: (2, False)}
