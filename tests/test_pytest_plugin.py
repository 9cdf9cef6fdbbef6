"""The pytest plugin: the ``fwsandbox`` fixture in a firmware team's own test file (pytester)."""
from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import emulator.session  # noqa: F401  engines imported before pytester snapshots sys.modules

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "firmware" / "arm" / "demo.elf"
BUGGY = ROOT / "firmware" / "arm" / "isr_heap.elf"


def test_the_plugin_is_registered_as_a_pytest11_entry_point():
    (point,) = [p for p in entry_points(group="pytest11") if p.value == "emulator.pytest_plugin"]
    assert point.name == "fwsandbox"


def test_findings_equal_empty_list_passes_on_a_clean_image_and_fails_readably_on_a_buggy_one(pytester):
    pytester.makepyfile(f"""
        def test_clean(fwsandbox):
            assert fwsandbox.run(r"{DEMO}").findings == []

        def test_buggy(fwsandbox):
            assert fwsandbox.run(r"{BUGGY}").findings == []
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")   # a fresh interpreter
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*findings differ: 2 found, 0 expected*",
        "*found:    [[]alloc-in-isr[]] systick_handler+0xc in systick_handler: BUG: heap allocator*",
        "*found:    [[]alloc-in-isr[]] systick_handler+0x10 in systick_handler: BUG: heap allocator*",
    ])


def test_the_run_result_has_the_report_document_and_exit_code(pytester):
    pytester.makepyfile(f"""
        def test_run(fwsandbox):
            clean = fwsandbox.run(r"{DEMO}", rules=r"{ROOT}/emulator/rules/profiles/fwsandbox.toml",
                                  board="cortex-m4")
            assert clean.exit == 0 and clean.report["schema"] == "fwsandbox-report/1"
            assert clean.report["exit"] == {{"reason": "exit", "code": 0}}
            buggy = fwsandbox.run(r"{BUGGY}")
            assert buggy.exit == 1
            assert [f["kind"] for f in buggy.findings] == ["alloc-in-isr", "alloc-in-isr"]
            assert buggy.findings == buggy.report["findings"]
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_assert_clean_lists_every_finding_one_per_line(pytester):
    pytester.makepyfile(f"""
        def test_clean(fwsandbox):
            fwsandbox.assert_clean(fwsandbox.run(r"{DEMO}"))

        def test_buggy(fwsandbox):
            fwsandbox.assert_clean(fwsandbox.run(r"{BUGGY}"))

        def test_only_other_kinds(fwsandbox):
            fwsandbox.assert_no_findings(fwsandbox.run(r"{BUGGY}"), "isr-stack-overflow")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*isr_heap.elf: 2 finding(s), run ended exit (code 0), exit 1",
        "  [[]alloc-in-isr[]] systick_handler+0xc in systick_handler: BUG: heap allocator function "
        "called from invalid context: heap_malloc(size=48)* (3 times)",
        "  [[]alloc-in-isr[]] systick_handler+0x10 in systick_handler: *heap_free(ptr=*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_relative_paths_are_taken_from_the_rootdir(pytester):
    firmware = pytester.mkdir("fw")
    (firmware / "demo.elf").write_bytes(DEMO.read_bytes())
    pytester.makepyfile("""
        def test_relative(fwsandbox):
            assert fwsandbox.run("fw/demo.elf").exit == 0
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_missing_image_is_a_bad_input_error_naming_it(pytester):
    pytester.makepyfile("""
        import pytest
        from emulator.errors import BadInput

        def test_missing(fwsandbox):
            with pytest.raises(BadInput, match="nope.elf"):
                fwsandbox.run("nope.elf")
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
