"""``check --junit`` parses as JUnit with the right counts; ``--sarif`` validates as SARIF 2.1.0."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.gate import CHECKS, SARIF_SCHEMA_PATH, ImageOutcome, Target, render_sarif
from emulator.gate.checks import evaluate

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ["firmware/arm/demo.elf", "firmware/arm/isr_heap.elf", "firmware/arm/pool_unmasked.elf",
          "firmware/arm/isr_stack_overflow.elf"]
FINDINGS = {"firmware/arm/isr_heap.elf": ("alloc-in-isr", 2),
            "firmware/arm/pool_unmasked.elf": ("allocator-reentry", 2),
            "firmware/arm/isr_stack_overflow.elf": ("isr-stack-overflow", 1)}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("check")
    baseline = out / "baseline.json"
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        runner.invoke(main, ["check", IMAGES[0], "--baseline", str(baseline), "--update-baseline"])
        result = runner.invoke(main, ["check", *IMAGES, "--baseline", str(baseline),
                                      "--junit", str(out / "j.xml"), "--sarif", str(out / "s.sarif")])
    assert result.exit_code == 1, result.output
    return out


def sarif_validator():
    schema = json.loads(SARIF_SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_junit_has_a_suite_per_image_and_a_case_per_check(outputs):
    root = ET.parse(outputs / "j.xml").getroot()
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root] == sorted(IMAGES)
    for suite in root:
        names = [case.get("name") for case in suite.iter("testcase")]
        assert names == list(CHECKS)
        assert suite.get("tests") == str(len(CHECKS))
        assert {case.get("classname") for case in suite.iter("testcase")} == \
            {suite.get("name").replace(".", "_")}
    assert root.get("tests") == str(len(IMAGES) * len(CHECKS))


def test_junit_failures_are_the_failing_checks_with_their_messages(outputs):
    root = ET.parse(outputs / "j.xml").getroot()
    failed = {(s.get("name"), c.get("name")): c.find("failure")
              for s in root for c in s.iter("testcase") if c.find("failure") is not None}
    new_findings = {(image, "baseline-regression") for image in FINDINGS}
    assert set(failed) == {(image, kind) for image, (kind, _) in FINDINGS.items()} | new_findings
    assert root.get("failures") == str(len(failed)) and root.get("errors") == "0"
    failure = failed[("firmware/arm/isr_heap.elf", "alloc-in-isr")]
    assert failure.get("type") == "alloc-in-isr"
    assert failure.get("message").startswith("2 failures: BUG: heap allocator function called")
    assert failure.text.count("BUG: heap allocator") == 2
    regression = failed[("firmware/arm/isr_heap.elf", "baseline-regression")]
    assert "no baseline entry" in regression.get("message")


def test_sarif_validates_against_the_shipped_schema(outputs):
    assert_valid_sarif(json.loads((outputs / "s.sarif").read_text()))


def test_sarif_has_the_driver_rules_and_one_result_per_failure(outputs):
    (run,) = json.loads((outputs / "s.sarif").read_text())["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "fwsandbox" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == list(CHECKS)
    kinds = [r["ruleId"] for r in run["results"] if r["ruleId"] != "baseline-regression"]
    assert sorted(kinds) == sorted(k for k, n in FINDINGS.values() for _ in range(n))
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error" and result["message"]["text"]
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_sarif_without_a_source_position_gives_the_image_address_and_symbol_offset(outputs):
    (run,) = json.loads((outputs / "s.sarif").read_text())["runs"]
    result = next(r for r in run["results"] if r["ruleId"] == "alloc-in-isr")
    (where,) = result["locations"]
    assert where["physicalLocation"]["artifactLocation"]["uri"] == "firmware/arm/isr_heap.elf"
    assert where["physicalLocation"]["address"]["absoluteAddress"] > 0
    assert where["logicalLocations"][0]["fullyQualifiedName"] == "systick_handler+0xc"
    assert where["logicalLocations"][0]["name"] == "systick_handler"


def synthetic_outcome(finding: dict) -> ImageOutcome:
    report = {"image": {"path": "build/app.elf", "sha256": "0"}, "board": "cortex-m4",
              "exit": {"reason": "exit", "code": 0}, "findings": [finding]}
    return evaluate(Target("app", "build/app.elf"), {"id": "app", "report": report}, False)


def test_sarif_uses_the_dwarf_source_position_when_a_finding_has_one():
    finding = {"kind": "alloc-in-isr", "message": "heap_malloc in an ISR", "pc": 0x1f4,
               "location": "uart_isr+0x10", "function": "heap_malloc",
               "context": {"handler": "uart_isr"}, "details": {},
               "source": {"file": "src/uart.c", "line": 42}}
    log = json.loads(render_sarif([synthetic_outcome(finding)], 1))
    (result,) = log["runs"][0]["results"]
    (where,) = result["locations"]
    assert where["physicalLocation"] == {"artifactLocation": {"uri": "src/uart.c"},
                                         "region": {"startLine": 42}}
    assert where["logicalLocations"][0]["fullyQualifiedName"] == "uart_isr+0x10"
    assert_valid_sarif(log)


def test_sarif_without_source_key_or_with_null_source_falls_back_to_the_address():
    finding = {"kind": "fault", "message": "unmapped read", "pc": 0x100, "location": "main+0x4",
               "function": None, "context": {"handler": None}, "details": {}, "source": None}
    log = json.loads(render_sarif([synthetic_outcome(finding)], 1))
    (where,) = log["runs"][0]["results"][0]["locations"]
    assert where["physicalLocation"]["address"] == {"absoluteAddress": 0x100, "kind": "instruction",
                                                    "fullyQualifiedName": "main+0x4"}
    assert_valid_sarif(log)


def test_an_image_that_cannot_run_is_a_junit_error_and_a_sarif_notification(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "firmware/arm/demo.elf", "README.md",
                                       "--junit", str(tmp_path / "j.xml"),
                                       "--sarif", str(tmp_path / "s.sarif")])
    assert result.exit_code == 2
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("errors") == "1" and root.find("testsuite/testcase/error") is not None
    log = json.loads((tmp_path / "s.sarif").read_text())
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert "README.md" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert_valid_sarif(log)


def test_a_gcc_image_with_dwarf_lines_gets_file_and_line_in_sarif_junit_and_summary(tmp_path,
                                                                                      monkeypatch):
    from test_gcc_firmware import FIRMWARE, make_images, require_tool
    require_tool("arm-none-eabi-gcc")
    make_images(tmp_path, f"{tmp_path}/arm/rtosdemo.elf")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", str(tmp_path / "arm" / "rtosdemo.elf"),
                                       "--rules", str(FIRMWARE / "rules" / "rtos.toml"),
                                       "--sarif", str(tmp_path / "s.sarif"),
                                       "--junit", str(tmp_path / "j.xml")])
    assert result.exit_code == 1, result.output
    log = json.loads((tmp_path / "s.sarif").read_text())
    (found,) = log["runs"][0]["results"]
    physical = found["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "firmware/c/arm/rtos_demo.c"
    line = physical["region"]["startLine"]
    assert "pvPortMalloc" in (FIRMWARE / "arm" / "rtos_demo.c").read_text().splitlines()[line - 1]
    assert_valid_sarif(log)
    assert f"at firmware/c/arm/rtos_demo.c:{line} (timer0_isr+0x1e)" in (tmp_path / "j.xml").read_text()
    assert f"timer0_isr+0x1e (firmware/c/arm/rtos_demo.c:{line}) in TIMER0_Handler" in result.stdout
