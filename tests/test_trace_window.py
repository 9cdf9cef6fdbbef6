"""`--trace-window N`: the last N instructions before each finding and at a fault, from a native
block ring; it agrees with the full per-instruction trace and leaves the run unchanged.  And the
Book E register dump at a fault carries SRR0/SRR1/ESR/DEAR."""
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.machine.machine import Machine
from emulator.probes.trace import TraceWindow, Tracer
from emulator.session import prepare

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", "run", *args], capture_output=True,
                          text=True, timeout=TIMEOUT, cwd=ROOT)


def _windows(stderr: str) -> list[list[str]]:
    blocks = []
    for line in stderr.splitlines():
        if line.startswith("trace window:"):
            blocks.append([line])
        elif line.startswith("  ") and blocks:
            blocks[-1].append(line)
    return blocks


def test_a_window_is_printed_before_each_occurrence_of_a_finding_and_the_run_is_unchanged():
    image = "firmware/arm/isr_page_wait.elf"
    traced, plain = _cli(image, "--trace-window", "6"), _cli(image)
    assert (traced.stdout, traced.returncode) == (plain.stdout, plain.returncode)
    windows = _windows(traced.stderr)
    assert [w[0] for w in windows] == [
        "trace window: the last 6 instructions before [alloc-in-isr] at systick_handler+0xc, cycle 3105:",
        "trace window: the last 6 instructions before [alloc-in-isr] at systick_handler+0xc, occurrence 2:",
        "trace window: the last 6 instructions before [alloc-in-isr] at systick_handler+0xc, occurrence 3:"]
    assert all(len(w) == 7 and w[-1].split()[:3] == ["000000ac", "systick_handler+0xc", "bl"]
               for w in windows)


@pytest.mark.parametrize("clock", ["native", "python"])
@pytest.mark.parametrize("image,rules", [("firmware/arm/isr_page_wait.elf", None),
                                         ("firmware/ppc/isr_stack_overflow.elf", None),
                                         ("firmware/arm/nested_overflow.elf", None),
                                         ("firmware/ppc/isr_heap.elf", None)])
def test_the_window_is_the_tail_of_the_full_trace_up_to_the_finding(image, rules, clock, monkeypatch):
    if clock == "python":
        monkeypatch.setenv("FWSANDBOX_CLOCK", "python")
    machine, _ = prepare(ROOT / image, rules_path=rules, stream=True)
    printed = []
    TraceWindow(machine, 12, printed.append)
    machine.run(timeout=30)
    first = printed[0].splitlines()
    shown = [int(line.split()[0], 16) for line in first[1:]]
    full = Machine.load(ROOT / image)
    lines = []
    Tracer(full, 1_000_000, lines.append)
    full.run(timeout=30)
    executed = [int(line.split()[0], 16) for line in lines if not line.startswith("...")]
    end = executed.index(shown[-1], executed.index(shown[0])) + 1
    assert len(shown) == 12 and executed[end - 12:end] == shown
    assert len(printed) == len([1 for line in printed if line.startswith("trace window:")])


def test_a_fault_window_ends_with_the_faulting_instruction(tmp_path):
    from test_gcc_firmware import make_images, require_tool
    require_tool("arm-none-eabi-gcc")
    make_images(tmp_path, f"{tmp_path}/arm/fpu_nocp.elf")
    proc = _cli(str(tmp_path / "arm" / "fpu_nocp.elf"), "--trace-window", "3")
    window = _windows(proc.stderr)[0]
    assert window[0] == ("trace window: the last 3 instructions at [fault] usage-fault-nocp at "
                         "fp_touch, cycle 2898:")
    assert window[-1].split()[1:3] == ["fp_touch", "vmov.f32"] and window[-1].endswith("<- faults")
    assert "bl" in window[-2]


def test_a_book_e_fault_dump_has_srr0_srr1_esr_and_dear(tmp_path):
    from ppcfw import image, load, machine
    thread = load(4, 0x60000000) + "bad_load:\n  lwz 3, 0(4)\n"
    m = machine(tmp_path, image(thread))
    result = m.run(max_cycles=100_000, timeout=10)
    (fault,) = [e for e in result.events if type(e).__name__ == "Fault"]
    regs = dict(fault.registers)
    assert list(regs)[:32] == [f"r{i}" for i in range(32)]
    assert regs["srr0"] == fault.pc == m.symbol("bad_load") and regs["srr1"] == regs["msr"]
    assert regs["dear"] == 0x60000000 and regs["esr"] == 0        # a load: ESR[ST] clear
    assert list(regs)[-4:] == ["srr0", "srr1", "esr", "dear"]
