"""The Python debug interface (emulator/debug/target.py) that the gdb stub uses: a run stepped
instruction by instruction, through its interrupt handlers, is the free run (cycles, console,
findings), on both ISAs and with both block clocks; model time stands still while halted."""
import time
from pathlib import Path

import pytest

from emulator.debug import DebugTarget
from emulator.session import finish_analysis, prepare

ROOT = Path(__file__).resolve().parent.parent
CASES = [("firmware/arm/nested_overflow.elf", None, "systick_handler"),
         ("firmware/ppc/isr_stack_overflow.elf", None, "fill_frame"),
         ("firmware/arm/isr_page_wait.elf", None, "systick_handler"),
         ("firmware/ppc/isr_heap.elf", None, "main")]


def _free(image, rules=None):
    machine, bound = prepare(ROOT / image, rules_path=rules, stream=True)
    result = machine.run(timeout=30)
    return result, finish_analysis(machine, result, bound, image).results.findings


def _stepped_from(image, symbol, rules=None, **target_options):
    machine, bound = prepare(ROOT / image, rules_path=rules, stream=True)
    target = DebugTarget(machine, **target_options)
    target.start(timeout=30)
    assert target.wait(10).reason == "reset"
    stop = target.run_until(symbol, 10)
    assert stop.reason == "breakpoint" and stop.pc == machine.symbol(symbol) & ~1
    steps = 0
    while stop.reason != "exited":
        stop = target.step(10)
        steps += 1
    result = target.result(10)
    return result, finish_analysis(machine, result, bound, image).results.findings, steps


@pytest.mark.parametrize("clock", ["native", "python"])
@pytest.mark.parametrize("image,rules,symbol", CASES)
def test_a_run_stepped_through_its_handlers_is_the_free_run(image, rules, symbol, clock, monkeypatch):
    if clock == "python":
        monkeypatch.setenv("FWSANDBOX_CLOCK", "python")
    free, free_findings = _free(image, rules)
    stepped, findings, steps = _stepped_from(image, symbol, rules)
    assert (stepped.reason, stepped.code, stepped.cycles, stepped.instructions, stepped.output) == (
        free.reason, free.code, free.cycles, free.instructions, free.output)
    assert findings == free_findings and findings
    assert steps > 100


def test_registers_memory_and_the_cycle_at_a_breakpoint():
    machine, _ = prepare(ROOT / "firmware/arm/isr_page_wait.elf", stream=True)
    target = DebugTarget(machine)
    target.start(timeout=30)
    target.wait(10)
    stop = target.run_until("page_alloc", 10)
    assert target.read_register("pc") == stop.pc == machine.symbol("page_alloc") & ~1
    assert target.read_register("lr") & 1                        # a Thumb return address
    assert target.cycle() == machine.position.cycle_at(stop.pc) <= machine.now
    sp = target.read_register("sp")
    target.write_memory(sp - 4, b"\x01\x02\x03\x04")
    assert target.read_memory(sp - 4, 4) == b"\x01\x02\x03\x04"
    target.write_register("r5", 0x1234)
    assert target.read_register("r5") == 0x1234
    with pytest.raises(Exception, match="no register 'r99'"):
        target.read_register("r99")
    target.detach()
    assert target.result(10).reason == "exit"


def test_model_time_and_the_wall_clock_limit_stand_still_while_halted():
    machine, _ = prepare(ROOT / "firmware/ppc/demo.elf", stream=True)
    target = DebugTarget(machine)
    target.start(timeout=0.5)                       # less than the time it is held halted
    target.wait(10)
    target.run_until("main", 10)
    now, instructions = machine.now, machine.instructions
    time.sleep(1.0)
    assert (machine.now, machine.instructions) == (now, instructions)
    target.detach()
    result = target.result(10)
    assert result.reason == "exit" and result.code == 0


def test_break_on_finding_and_on_fault_stop_where_they_happen():
    machine, _ = prepare(ROOT / "firmware/arm/isr_heap.elf", stream=True)
    target = DebugTarget(machine, halt_at_start=False, break_on_finding=True)
    target.start(timeout=30)
    stop = target.wait(10)
    assert stop.reason == "finding" and stop.detail.startswith("[alloc-in-isr] BUG: heap allocator")
    assert machine.describe(stop.pc).startswith("heap_malloc")   # before its first instruction ran on
    assert machine.core.context().name == "systick_handler"
    stop = target.cont(10)
    assert stop.reason == "finding" and machine.describe(stop.pc).startswith("heap_free")
    target.detach()
    assert target.result(10).reason == "exit"


def test_break_on_fault_halts_before_the_handler_is_entered(tmp_path):
    from test_gcc_firmware import make_images, require_tool
    require_tool("arm-none-eabi-gcc")
    make_images(tmp_path, f"{tmp_path}/arm/fpu_nocp.elf")
    machine, _ = prepare(tmp_path / "arm" / "fpu_nocp.elf", stream=True)
    target = DebugTarget(machine, halt_at_start=False, break_on_fault=True)
    target.start(timeout=30)
    stop = target.wait(10)
    assert stop.reason == "fault" and "usage-fault-nocp" in stop.detail
    assert target.read_register("pc") == stop.pc and machine.describe(stop.pc) == "fp_touch"
    target.detach()
    assert target.result(10).reason == "exit"
