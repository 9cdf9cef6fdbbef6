"""A gcc-built RTOS-style firmware with allocator names of its own, caught through a user rules file.

build/c/{arm,ppc}/rtosdemo.elf (firmware/c/rtos + {arm,ppc}/rtos_demo.c, built by
firmware/c/Makefile into a temporary directory): a timer handler calls pvPortMalloc (a heap that
does not mask interrupts: the bug) and osPoolAlloc (masks interrupts: fine); the thread uses both
correctly.  firmware/c/rules/rtos.toml names those functions; the shipped default rules do not.
A missing cross compiler skips locally and fails under CI=true (see test_gcc_firmware.py).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_gcc_firmware import FIRMWARE, make_images, require_tool

ROOT = Path(__file__).resolve().parents[1]
RULES = FIRMWARE / "rules" / "rtos.toml"
MSG_COUNT = 4                               # timer interrupts, one pvPortMalloc each
TIMER_HANDLER = {"arm": ("TIMER0_Handler", 24, "timer0_isr"), "ppc": ("pit0_isr", 75, "pit0_isr")}
CONSOLE = {"arm": ("cortex-m4", "ipsr=24", "exit 0 via SYS_EXIT"), "ppc": ("e200-mcu", "depth=1", "exit 0")}


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """Both rtosdemo images, built through firmware/c/Makefile."""
    require_tool("arm-none-eabi-gcc")
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("rtos-firmware")
    make_images(out, f"{out}/arm/rtosdemo.elf")
    make_images(out, f"{out}/ppc/rtosdemo.elf")
    return out


def fwsandbox(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def run_json(image: Path, *extra: str) -> tuple[dict, int]:
    proc = fwsandbox("run", image, "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc.returncode


@pytest.fixture(scope="module")
def with_rules(images) -> dict[str, tuple[dict, int]]:
    """arch -> (JSON report, exit code) of ``fwsandbox run --rules rtos.toml --format json``."""
    return {arch: run_json(images / arch / "rtosdemo.elf", "--rules", RULES) for arch in TIMER_HANDLER}


@pytest.fixture(scope="module")
def text_runs(images) -> dict[str, subprocess.CompletedProcess]:
    """arch -> ``fwsandbox run --rules rtos.toml`` (console, summary and text findings)."""
    return {arch: fwsandbox("run", images / arch / "rtosdemo.elf", "--rules", RULES)
            for arch in TIMER_HANDLER}


def marker_line(source: Path, marker: str = "BUG(isr-heap)") -> int:
    """The line of ``source`` carrying ``marker`` (the pvPortMalloc call in the timer handler)."""
    [line] = [n for n, text in enumerate(source.read_text().splitlines(), 1) if marker in text]
    return line


def designed_console(arch: str) -> str:
    board, context, exit_line = CONSOLE[arch]
    msgs = "".join(f"timer msg {n} seq={n} {context}\n" for n in range(1, MSG_COUNT + 1))
    return (f"fwsandbox rtos firmware: {board}\nheap first-fit reuse=1 coalesced=1\n"
            f"pool distinct=1 nfree=6 after free=8\n{msgs}heap restored=1 pool restored=1\n"
            f"{exit_line}\n")


# --- caught with the user's rules -------------------------------------------------------------

@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_the_user_rules_report_pvPortMalloc_in_the_timer_handler_and_exit_1(with_rules, arch):
    doc, code = with_rules[arch]
    handler, irq, isr = TIMER_HANDLER[arch]
    assert code == 1
    assert doc["exit"] == {"reason": "exit", "code": 0}
    [finding] = doc["findings"]
    assert (finding["kind"], finding["function"], finding["count"]) == ("alloc-in-isr", "pvPortMalloc", MSG_COUNT)
    assert finding["context"]["handler"] == handler and finding["context"]["irq"] == irq
    assert finding["location"].startswith(f"{isr}+0x")
    assert finding["details"]["args"] == "size=16"


@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_the_finding_points_at_the_source_line_of_the_pvPortMalloc_call(with_rules, arch):
    doc, _ = with_rules[arch]
    source = FIRMWARE / arch / "rtos_demo.c"
    assert doc["findings"][0]["source"] == {"file": f"firmware/c/{arch}/rtos_demo.c",
                                            "line": marker_line(source)}


def test_the_text_report_shows_the_call_site_with_file_and_line(text_runs):
    proc = text_runs["arm"]
    line = marker_line(FIRMWARE / "arm" / "rtos_demo.c")
    assert proc.returncode == 1
    assert "[alloc-in-isr] BUG: heap allocator function called from invalid context: " \
           "pvPortMalloc(size=16) from timer0_isr+0x" in proc.stdout
    assert re.search(rf"\n  at timer0_isr\+0x[0-9a-f]+ \(pc 0x[0-9a-f]+\) at "
                     rf"firmware/c/arm/rtos_demo\.c:{line}, cycle \d+, {MSG_COUNT} times\n", proc.stdout)


@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_the_user_rules_watch_both_allocators_their_frees_and_the_irq_stack(with_rules, arch):
    doc, _ = with_rules[arch]
    handler = TIMER_HANDLER[arch][0]
    calls = {(a["function"], a["context"]): a["calls"] for a in doc["allocations"]}
    assert calls[("pvPortMalloc", handler)] == calls[("osPoolAlloc", handler)] == MSG_COUNT
    assert calls[("vPortFree", "thread")] == 3 + MSG_COUNT and calls[("osPoolFree", "thread")] == 2 + MSG_COUNT
    heaps = {h["allocator"]: (h["allocs"], h["frees"], h["live"]) for h in doc["heaps"]}
    assert heaps == {"port-heap": (3 + MSG_COUNT,) * 2 + (0,), "os-pool": (2 + MSG_COUNT,) * 2 + (0,)}
    [stack] = doc["stacks"]
    assert stack["name"] == "irq" and 0 < stack["high_water"] < stack["limit"]


# --- without a rules file: the freertos profile, enabled by the pvPortMalloc symbol ---------------

@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_without_the_rules_file_the_freertos_profile_catches_pvPortMalloc_in_the_handler(images, arch):
    doc, code = run_json(images / arch / "rtosdemo.elf")
    handler, _, isr = TIMER_HANDLER[arch]
    assert code == 1 and doc["summary"] == {"alloc-in-isr": 1}
    [finding] = doc["findings"]
    assert (finding["function"], finding["context"]["handler"]) == ("pvPortMalloc", handler)
    assert finding["location"].startswith(isr)
    assert doc["watch"]["profiles"] == [{"name": "freertos", "reason": "symbol pvPortMalloc"}]
    assert doc["watch"]["isr_stack"]["watched"] and doc["watch"]["rules_file"] is None


@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_the_firmware_prints_its_designed_console_text_under_fwsandbox(text_runs, arch):
    proc = text_runs[arch]
    assert proc.stdout.startswith(designed_console(arch)), proc.stdout + proc.stderr


def test_qemu_prints_the_same_console_text_and_exits_0(images):
    qemu = require_tool("qemu-system-arm")
    proc = subprocess.run([qemu, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial",
                           "stdio", "-semihosting", "-kernel", str(images / "arm" / "rtosdemo.elf")],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert (proc.stdout.decode("latin-1"), proc.returncode) == (designed_console("arm"), 0)


# --- a rules file naming what the image lacks -------------------------------------------------

def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_rules_file_naming_a_function_missing_from_the_image_exits_2_naming_file_and_key(
        images, tmp_path):
    rules = tmp_path / "rtos-plus-queue.toml"
    rules.write_text(RULES.read_text() + '\n[functions.xQueueGenericSend]\nkind = "other"\n'
                     'isr = "never"\n')
    error = one_line_error(fwsandbox("run", images / "arm" / "rtosdemo.elf", "--rules", rules))
    line = rules.read_text().splitlines().index("[functions.xQueueGenericSend]") + 1
    assert error == (f"fwsandbox: error: {rules}:{line}: key 'functions.xQueueGenericSend': "
                     "symbol 'xQueueGenericSend' not found in the image")


def test_a_rules_file_naming_a_missing_stack_symbol_exits_2_naming_the_key(images, tmp_path):
    rules = tmp_path / "wrong-stack.toml"
    rules.write_text(RULES.read_text().replace('top = "irq_stack_top"', 'top = "__StackTop"'))
    error = one_line_error(fwsandbox("run", images / "ppc" / "rtosdemo.elf", "--rules", rules))
    line = rules.read_text().splitlines().index('top = "__StackTop"') + 1
    assert f"{rules}:{line}: key 'isr_stack.top': symbol '__StackTop' not found" in error
