"""Report model and renderers: JSON golden sample, text, table, CSV and SVG.

Regenerate the golden JSON with ``FWSANDBOX_UPDATE_GOLDEN=1 pytest tests/test_report.py``.
"""
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from emulator.detectors import run_detectors
from emulator.events import (THREAD, CallEntered, CallReturned, Context, Fault, InterruptEntered,
                             InterruptExited, RunEnded, StackSample, StackWrite)
from emulator.report import (build_report, render_csv, render_histogram_svg, render_json,
                             render_table, render_text, write_histogram_svg)
from emulator.report.svg import bins_of
from emulator.rules.model import load_rules

GOLDEN = Path(__file__).parent / "golden" / "report_sample.json"
UPDATE = os.environ.get("FWSANDBOX_UPDATE_GOLDEN") == "1"
TICK = Context(handler="SysTick_Handler", irq=15, depth=1, chain=("SysTick_Handler",))
NESTED = Context(handler="TIMER0_Handler", irq=24, depth=2, chain=("SysTick_Handler", "TIMER0_Handler"))


def entered(call_id, function, cycle, args=(), context=THREAD, site="main+0x10"):
    return CallEntered(cycle=cycle, call_id=call_id, function=function, args=args,
                       return_address=0x1001, call_site=site, sp=0x20007F00, context=context,
                       backtrace=(site, "Reset_Handler+0x20"), call_pc=0x1000 + call_id)


def returned(call_id, function, cycle, value, context=THREAD):
    return CallReturned(cycle=cycle, call_id=call_id, function=function, value=value, context=context)


def sample_events():
    """A small run with one of every finding kind and every statistic."""
    return [
        entered(1, "pool_alloc_nomask", 100, (0x20000100,), site="main+0x10"),
        InterruptEntered(cycle=110, number=15, name="SysTick", handler="SysTick_Handler", context=TICK,
                         sp=0x2000E3E0, preempted_pc=0x1234, preempted_location="pool_alloc_nomask+0x8"),
        entered(2, "pool_alloc_nomask", 130, (0x20000100,), TICK, site="SysTick_Handler+0x6"),
        returned(2, "pool_alloc_nomask", 150, 0x20003000, TICK),
        entered(3, "heap_malloc", 160, (24,), TICK, site="SysTick_Handler+0xc"),
        returned(3, "heap_malloc", 240, 0x20004000, TICK),
        InterruptEntered(cycle=250, number=24, name="IRQ8", handler="TIMER0_Handler", context=NESTED,
                         sp=0x2000E3A0, preempted_pc=0x2010, preempted_location="SysTick_Handler+0x10"),
        StackSample(cycle=260, stack="isr", base=0x2000E000, top=0x2000E400, lowest=0x2000E380,
                    context=NESTED),
        StackWrite(cycle=262, stack="isr", base=0x2000E000, top=0x2000E400, address=0x2000DFFC,
                   size=4, pc=0x3004, location="TIMER0_Handler+0x4", sp=0x2000DFFC, context=NESTED),
        InterruptExited(cycle=280, number=24, handler="TIMER0_Handler", context=TICK, return_pc=0x2010),
        InterruptExited(cycle=300, number=15, handler="SysTick_Handler", context=THREAD, return_pc=0x1234),
        returned(1, "pool_alloc_nomask", 330, 0x20003010),
        entered(4, "heap_free", 340, (0x20004000,), site="main+0x30"),
        entered(5, "heap_free", 350, (0x20004000,), site="main+0x34"),
        Fault(cycle=400, kind="unmapped-read", pc=0x1100, location="main+0x100",
              message="read of 0x0 is unmapped", context=THREAD, address=0,
              registers=(("r0", 1), ("sp", 0x20007F00), ("pc", 0x1100), ("xpsr", 0x01000000))),
        RunEnded(cycle=400, instructions=321, reason="fault", code=None),
    ]


def sample_report():
    results = run_detectors(sample_events(), load_rules())
    return build_report(results, image_path="firmware/arm/sample.elf", image_sha256="ab" * 32,
                        board="cortex-m4", cycle_model="cortex-m4", cycle_model_version="1")


def test_the_json_document_matches_the_golden_sample():
    text = render_json(sample_report())
    if UPDATE:
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_the_json_document_is_byte_identical_for_identical_inputs():
    assert render_json(sample_report()) == render_json(sample_report())


def test_the_json_document_has_every_documented_top_level_key():
    doc = json.loads(render_json(sample_report()))
    assert {"image", "board", "cycle_model", "exit", "cycles", "instructions", "findings",
            "allocations", "stacks", "interrupts"} <= set(doc)
    assert doc["exit"] == {"reason": "fault", "code": None} and doc["cycles"] == 400
    assert doc["image"]["sha256"] == "ab" * 32


def test_the_sample_run_produces_one_finding_of_every_kind():
    kinds = sorted(f["kind"] for f in json.loads(render_json(sample_report()))["findings"])
    assert kinds == ["alloc-in-isr", "allocator-reentry", "fault", "heap-integrity",
                     "isr-stack-overflow"]


def test_each_json_finding_carries_context_location_cycle_and_backtrace():
    doc = json.loads(render_json(sample_report()))
    [isr] = [f for f in doc["findings"] if f["kind"] == "alloc-in-isr"]
    assert isr["context"] == {"handler": "SysTick_Handler", "irq": 15, "depth": 1,
                              "chain": ["SysTick_Handler"], "masked": False}
    assert (isr["location"], isr["pc"], isr["cycle"], isr["function"]) == (
        "SysTick_Handler+0xc", 0x1003, 160, "heap_malloc")
    assert isr["backtrace"] == ["SysTick_Handler+0xc", "Reset_Handler+0x20"]


def test_allocation_statistics_exclude_the_preempting_interrupt():
    doc = json.loads(render_json(sample_report()))
    [thread] = [a for a in doc["allocations"] if a["context"] == "thread"]
    assert (thread["max"], thread["inclusive"]["max"], thread["max_at"]) == (
        40, 230, {"call_site": "main+0x10", "cycle": 100})


def test_the_text_report_lists_findings_then_the_exit_and_stack_summary():
    text = render_text(sample_report())
    assert text.startswith("fwsandbox: 5 findings\n[allocator-reentry] inconsistent allocator usage")
    assert "\n[alloc-in-isr] BUG: heap allocator function called from invalid context" in text
    assert "  preempted_pc: 0x1234\n" in text
    assert "  context: SysTick_Handler (irq 15), depth 1, chain SysTick_Handler, irqs enabled" in text
    assert "    #1 Reset_Handler+0x20" in text
    assert "exit: fault (code -), 400 cycles, 321 instructions [cortex-m4 1]" in text
    assert "stack isr: high water 1028 of 1024 bytes (0x2000e000-0x2000e400)" in text


def test_a_clean_run_says_no_findings():
    report = build_report(run_detectors([RunEnded(10, 5, "exit", 0)], load_rules()),
                          image_path="x.elf", image_sha256="0" * 64, board="b",
                          cycle_model="cortex-m4", cycle_model_version="1")
    assert render_text(report).startswith("fwsandbox: no findings\nexit: exit (code 0), 10 cycles")
    assert json.loads(render_json(report))["findings"] == []


def test_the_table_report_has_allocation_stack_interrupt_and_allocator_sections():
    table = render_table(sample_report())
    for heading in ("Allocation cycles", "Stacks", "Interrupts", "Allocators"):
        assert heading in table
    assert any(line.split()[:3] == ["heap_malloc", "SysTick_Handler", "1"] for line in table.splitlines())
    assert any(line.split()[:2] == ["15", "SysTick"] for line in table.splitlines())


def test_the_csv_report_has_one_row_per_function_and_context():
    lines = render_csv(sample_report()).splitlines()
    assert lines[0] == ("function,context,calls,min,p50,mean,p99,max,total,max_at,max_cycle,"
                        "inclusive_max,inclusive_p50,inclusive_p99")
    assert "pool_alloc_nomask,thread,1,40,40,40.00,40,40,40,main+0x10,100,230,230,230" in lines
    assert len(lines) == 4


def test_histogram_bins_are_integer_width_and_cover_every_value():
    assert bins_of([10, 10, 12, 29], 4) == (10, 5, [3, 0, 0, 1])
    assert bins_of([7], 20) == (7, 1, [1])


def test_the_svg_histogram_is_well_formed_with_one_panel_per_function_and_context(tmp_path):
    report = sample_report()
    svg = render_histogram_svg(report.calls)
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "title"]
    assert [" ".join(t.split()[:3]) for t in titles] == sorted(
        f"{s.function} in {s.context}" for s in report.allocations)
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "cycles" in labels and "calls" in labels
    write_histogram_svg(tmp_path / "h.svg", report.calls)
    assert (tmp_path / "h.svg").read_text() == svg


def test_an_svg_without_calls_says_so():
    assert "no allocation calls" in render_histogram_svg([])


def sample_report_with_sources():
    """The sample run with DWARF positions for the alloc-in-isr call site (pc 0x1003) only."""
    results = run_detectors(sample_events(), load_rules())
    lines = {0x1003: ("firmware/c/arm/main.c", 42)}
    return build_report(results, image_path="firmware/arm/sample.elf", image_sha256="ab" * 32,
                        board="cortex-m4", cycle_model="cortex-m4", cycle_model_version="1",
                        source_of=lines.get)


def test_a_finding_with_a_dwarf_position_carries_its_file_and_line_in_json():
    doc = json.loads(render_json(sample_report_with_sources()))
    sources = {f["kind"]: f["source"] for f in doc["findings"]}
    assert sources.pop("alloc-in-isr") == {"file": "firmware/c/arm/main.c", "line": 42}
    assert set(sources.values()) == {None}


def test_the_text_report_shows_file_and_line_after_the_location():
    text = render_text(sample_report_with_sources())
    assert "\n  at SysTick_Handler+0xc (pc 0x1003) at firmware/c/arm/main.c:42, cycle 160\n" in text
    assert "\n  at main+0x100 (pc 0x1100), cycle 400\n" in text


def test_a_fault_prints_the_register_dump_in_the_cores_order_in_text_and_json():
    report = sample_report()
    text = render_text(report)
    assert ("  registers:\n         r0=00000001        sp=20007f00        pc=00001100"
            "      xpsr=01000000\n") in text
    fault = next(f for f in json.loads(render_json(report))["findings"] if f["kind"] == "fault")
    assert fault["registers"] == {"r0": 1, "sp": 0x20007F00, "pc": 0x1100, "xpsr": 0x01000000}


def test_findings_without_a_pc_are_never_looked_up():
    from emulator.report.build import with_sources
    from emulator.report.model import Finding
    budget = Finding(kind="alloc-cycles", message="over budget", pc=None, location="main+0x10",
                     function="heap_malloc", context=THREAD, cycle=5)
    asked = []
    [kept] = with_sources([budget], lambda pc: asked.append(pc) or ("a.c", 1))
    assert (kept.source, asked) == (None, [])
