"""`fwsandbox run --gdb`: a real gdb-multiarch in batch mode against both ISAs, and the debugged
run is the run CI sees (same console, cycles and findings).  Every socket and process has a
timeout: a broken stub fails a test, it never hangs one."""
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from test_gcc_firmware import make_images, require_tool

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("gdb-firmware")
    make_images(out, "all")
    return out


@pytest.fixture(scope="module")
def gdb() -> str:
    return require_tool("gdb-multiarch")


class Served:
    """A ``fwsandbox run IMAGE --gdb 127.0.0.1:0 ...`` process and the port it listens on."""

    def __init__(self, elf: Path, *options: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "run", str(elf), "--gdb", "127.0.0.1:0", *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
        self.port = self._port()

    def _port(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [], 1)
            if ready:
                line = self.proc.stderr.readline()
                found = re.search(r"gdb stub listening on 127\.0\.0\.1:(\d+)", line)
                if found:
                    return int(found.group(1))
                if not line:
                    break
        self.proc.kill()
        pytest.fail(f"no 'listening' line from fwsandbox: {self.proc.communicate()}")

    def finish(self) -> tuple[str, str, int]:
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail(f"fwsandbox did not end after the gdb session:\n{out}\n{err}")
        return out, err, self.proc.returncode


def batch(gdb: str, elf: Path, port: int, *commands: str) -> str:
    """gdb's output for ``commands`` run in batch mode against the stub."""
    script = ["set pagination off", "set confirm off", f"target remote 127.0.0.1:{port}",
              *commands]
    with tempfile.NamedTemporaryFile("w", suffix=".gdb") as file:
        file.write("\n".join(script) + "\n")
        file.flush()
        proc = subprocess.run([gdb, "-q", "-nx", "-batch", "-x", file.name, str(elf)],
                              capture_output=True, text=True, timeout=TIMEOUT)
    return proc.stdout + proc.stderr


def session(gdb, elf, options, *commands) -> tuple[str, str, str, int]:
    served = Served(elf, *options)
    text = batch(gdb, elf, served.port, *commands)
    return (text, *served.finish())


def plain(elf: Path, *options: str) -> tuple[str, int]:
    proc = subprocess.run([sys.executable, "-m", "emulator", "run", str(elf), *options],
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    return proc.stdout, proc.returncode


def symbol(elf: Path, name: str) -> int:
    from emulator.load.image import load_image
    return load_image(elf).symbols.get(name) & ~1


# --- Cortex-M ------------------------------------------------------------------------------------

def test_gdb_breaks_at_a_symbol_and_bt_in_a_handler_shows_the_interrupted_thread(gdb, images):
    elf = images / "arm" / "irqdemo.elf"
    text, out, _, code = session(gdb, elf, ["--gdb-wait"], "break systick_isr", "continue",
                                 "bt", "p/x $lr", "info registers msp psp control")
    assert "Breakpoint 1, systick_isr" in text
    frames = [line for line in text.splitlines() if line.startswith("#")]
    assert frames[0].startswith("#0  systick_isr")
    assert frames[1] == "#1  <signal handler called>"        # gdb unwound the EXC_RETURN frame
    assert "thread_main ()" in frames[2] and "main ()" in frames[3]
    assert "$1 = 0xfffffffd" in text                           # thread mode, PSP
    assert re.search(r"^control\s+0x0\b", text, re.M)            # B1.5.6: SPSEL 0 in a handler
    assert re.search(r"^psp\s+0x2000", text, re.M)                # the thread's stack
    assert (out, code) == plain(elf)


def test_stepping_one_instruction_at_a_time_enters_the_isr_where_a_free_run_takes_it(gdb, images):
    elf = images / "arm" / "irqdemo.elf"
    handler = symbol(elf, "SysTick_Handler")
    text, out, _, code = session(
        gdb, elf, ["--gdb-wait"], "break thread_main", "continue", "delete",
        "set $n = 0", "set $prev = $pc",
        f"while $pc != {handler} && $n < 5000\n set $prev = $pc\n stepi\n set $n = $n + 1\nend",
        "p/x $prev", "p/x $pc", "p $n", "p/x $lr", "monitor interrupts", "stepi 2", "bt",
        "stepi 40", "monitor cycles")
    assert f"$2 = {handler:#x}" in text                   # it stepped into SysTick_Handler
    prev = int(re.search(r"\$1 = (0x[0-9a-f]+)", text).group(1), 16)
    assert symbol(elf, "thread_main") <= prev < symbol(elf, "main")    # from thread code
    assert "$4 = 0xfffffffd" in text                      # EXC_RETURN: thread mode, PSP
    assert "#0  systick_isr" in text                      # SysTick_Handler tail-calls it
    assert "#1  <signal handler called>" in text and "thread_main" in text.split("#1")[1]
    assert "context: SysTick_Handler (irq 15, depth 1)" in text
    assert re.search(r"^cycle \d+ \(model cycles", text, re.M)
    assert (out, code) == plain(elf)                      # the same run as without gdb


def test_a_stepped_run_through_an_isr_has_the_free_runs_findings_cycles_and_console(gdb, images):
    elf = images / "arm" / "rtosdemo.elf"
    rules = str(ROOT / "firmware" / "c" / "rules" / "rtos.toml")
    text, out, _, code = session(gdb, elf, ["--gdb-wait", "--rules", rules],
                                 "break TIMER0_Handler", "continue", "stepi 200", "delete",
                                 "continue")
    assert "Breakpoint 1, " in text and "exited with code 01" not in text
    expected = plain(elf, "--rules", rules)
    assert "[alloc-in-isr]" in expected[0] and "cycles: 23,529" in expected[0]
    assert (out, code) == expected


def test_gdb_reads_the_fp_registers_of_a_hard_float_isr(gdb, images):
    elf = images / "arm" / "fpudemo.elf"
    dump = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True,
                          text=True, timeout=TIMEOUT).stdout
    body = dump.split("<timer0_isr>:")[1]
    vstr = int(re.search(r"^\s+([0-9a-f]+):\s+\S+ \S+\s+vstr\s+s15", body, re.M).group(1), 16)
    text, out, _, code = session(gdb, elf, ["--gdb-wait"], f"break *{vstr:#x}", "continue",
                                 "p $s13", "p $s14", "p $s15", "p/x $fpscr", "info registers d7")
    assert "$1 = 1.5" in text and "$2 = 0.25" in text
    assert "$3 = 3.875" in text                 # step(step(2.0)) = (2*1.5-0.25)*1.5-0.25
    assert re.search(r"^d7\s+", text, re.M)
    assert (out, code) == plain(elf)


def test_a_watchpoint_stops_after_the_store_and_shows_old_and_new_value(gdb, images):
    elf = images / "arm" / "irqdemo.elf"
    text, out, _, code = session(gdb, elf, ["--gdb-wait"], "watch ticks", "continue", "bt 1",
                                 "continue", "delete", "continue")
    assert "Hardware watchpoint 1: ticks" in text
    assert re.search(r"Old value = 0\s+New value = 1", text)
    assert re.search(r"Old value = 1\s+New value = 2", text)
    assert "#0  systick_isr" in text
    assert (out, code) == plain(elf)


def test_break_on_finding_stops_in_the_allocator_with_the_finding_on_the_gdb_console(gdb, images):
    elf = images / "arm" / "rtosdemo.elf"
    rules = str(ROOT / "firmware" / "c" / "rules" / "rtos.toml")
    text, out, _, code = session(gdb, elf, ["--gdb-wait", "--break-on-finding", "--rules", rules],
                                 "continue", "bt", "detach")
    assert "[alloc-in-isr] BUG: heap allocator function called from invalid context: " \
           "pvPortMalloc(size=16)" in text
    assert "Program received signal SIGTRAP" in text
    frames = [line for line in text.splitlines() if line.startswith("#")]
    assert "pvPortMalloc" in frames[0] and any("timer0_isr" in f for f in frames)
    assert any("<signal handler called>" in f for f in frames)
    assert (out, code) == plain(elf, "--rules", rules)


def test_break_on_fault_stops_at_the_faulting_instruction(gdb, images):
    elf = images / "arm" / "fpu_nocp.elf"
    text, out, _, code = session(gdb, elf, ["--gdb-wait", "--break-on-fault"], "continue",
                                 "p/x $pc", "detach")
    assert "[fault] usage-fault-nocp at fp_touch" in text
    assert "Program received signal SIGTRAP" in text and "fp_touch" in text
    assert (out, code) == plain(elf)


# --- Book E -----------------------------------------------------------------------------------------

def test_gdb_on_book_e_breaks_steps_and_reads_msr_cr_lr_ctr_xer(gdb, images):
    elf = images / "ppc" / "irqdemo.elf"
    text, out, _, code = session(gdb, elf, ["--gdb-wait"], "break pit1_isr", "continue", "bt",
                                 "info registers pc msr cr lr ctr xer srr0", "stepi", "p $pc",
                                 "monitor interrupts")
    assert "Breakpoint 1, pit1_isr ()" in text
    assert "#1  0x000002ac in external_input_handler ()" in text
    assert re.search(r"^msr\s+0x8000\b", text, re.M)          # MSR[EE] clear in the handler
    assert re.search(r"^lr\s+0x2ac\b", text, re.M)
    assert re.search(r"^srr0\s+<unavailable>", text, re.M)     # said, not made up
    assert "pit1_isr+4" in text
    assert "IVOR4:60" in text
    assert (out, code) == plain(elf)


def test_gdb_on_book_e_watches_a_variable_and_breaks_on_a_finding(gdb, images):
    elf = images / "ppc" / "irqdemo.elf"
    text, out, _, code = session(gdb, elf, ["--gdb-wait"], "watch pit1_count", "continue",
                                 "delete", "continue")
    assert re.search(r"Old value = 0\s+New value = 1", text)
    assert (out, code) == plain(elf)
    overflow = ROOT / "firmware" / "ppc" / "isr_stack_overflow.elf"
    text, out, _, code = session(gdb, overflow, ["--gdb-wait", "--break-on-finding"],
                                 "continue", "p $pc", "monitor findings", "continue")
    assert "[isr-stack-overflow]" in text and "Program received signal SIGTRAP" in text
    assert "1 finding so far:" in text
    assert (out, code) == plain(overflow)


# --- the wire, bad input ------------------------------------------------------------------------------

def test_a_bad_gdb_address_is_one_line_and_exit_2(images):
    elf = images / "arm" / "irqdemo.elf"
    proc = subprocess.run([sys.executable, "-m", "emulator", "run", str(elf), "--gdb", "99999"],
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "fwsandbox: error: --gdb '99999': expected [HOST:]PORT with a port 0-65535"]
