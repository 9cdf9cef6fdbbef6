"""gcc -O2/-Os firmware whose watched free ends in a tail call, and a call abandoned by longjmp.

build/c/{arm,ppc}/tailcall_{o2,os}.elf (firmware/c/tailcall + {arm,ppc}/tailcall.c, built by
firmware/c/Makefile's tailcall.mk into a temporary directory): tcFree ends in a tail call to
xTaskResumeAll, tcMalloc in one to tc_take; the thread frees, and a timer handler frees blocks
the thread posted (firmware/c/rules/tailcall.toml allows tcFree in handlers), never while the
thread is inside the heap; at the end tcMalloc longjmps out of itself once.  A call must end
when control is back at its return address, so every tcFree gets cycle statistics, there is
no allocator-reentry (nor heap) finding, and the one tcMalloc that never returned is reported.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_gcc_firmware import FIRMWARE, make_images, require_tool
from emulator.events import CallAbandoned, CallEntered, CallReturned

ROOT = Path(__file__).resolve().parents[1]
RULES = FIRMWARE / "rules" / "tailcall.toml"
IMAGES = [(arch, level) for arch in ("arm", "ppc") for level in ("o2", "os")]
HANDLER = {"arm": "TIMER0_Handler", "ppc": "pit0_isr"}
# objdump's tail-call branch: Thumb-2 B.W (T4), PowerPC b (I-form, AA = LK = 0)
TAIL_CALL = {"arm": ("arm-none-eabi-objdump", r"\sb\.w\s+[0-9a-f]+ <{}>"),
             "ppc": ("powerpc-linux-gnu-objdump", r"\sb\s+[0-9a-f]+ <{}>")}


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("tailcall-firmware")
    for arch, level in IMAGES:
        make_images(out, f"{out}/{arch}/tailcall_{level}.elf")
    return out


def image(images: Path, arch: str, level: str) -> Path:
    return images / arch / f"tailcall_{level}.elf"


def disassembly(images: Path, arch: str, level: str, function: str) -> list[str]:
    objdump = require_tool(TAIL_CALL[arch][0])
    text = subprocess.run([objdump, "-d", str(image(images, arch, level))], capture_output=True,
                          text=True, check=True).stdout
    body = text.split(f"<{function}>:\n", 1)[1].split("\n\n", 1)[0]
    return body.splitlines()


def run_json(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "emulator", "run", str(path), "--rules", str(RULES),
                           "--format", "json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("arch,level", IMAGES)
def test_gcc_ends_the_watched_functions_in_tail_calls(images, arch, level):
    branch = TAIL_CALL[arch][1]
    for function, callee in (("tcFree", "xTaskResumeAll"), ("tcMalloc", "tc_take")):
        lines = disassembly(images, arch, level, function)
        assert any(re.search(branch.format(callee), line) for line in lines), lines


@pytest.mark.parametrize("arch,level", IMAGES)
def test_a_free_ending_in_a_tail_call_has_statistics_and_no_false_reentry(images, arch, level):
    doc = run_json(image(images, arch, level))
    assert doc["findings"] == [] and doc["exit"] == {"reason": "exit", "code": 0}
    calls = {(a["function"], a["context"]): a["calls"] for a in doc["allocations"]}
    # 3 pairs + 4 posted + 1 after the longjmp; tcFree: 3 + 1 in thread code, 4 in the handler
    assert calls == {("tcMalloc", "thread"): 8, ("tcFree", "thread"): 4,
                     ("tcFree", HANDLER[arch]): 4}


@pytest.mark.parametrize("arch,level", IMAGES)
def test_the_call_left_by_longjmp_is_reported_as_never_returned(images, arch, level):
    doc = run_json(image(images, arch, level))
    assert doc["unreturned"] == [{"function": "tcMalloc", "reason": "stack-unwound", "calls": 1}]


def call_events(path: Path, kind: str, monkeypatch) -> list:
    from emulator.session import prepare
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    machine, _ = prepare(path, rules_path=RULES)
    assert machine.clock.kind == kind
    result = machine.run(max_cycles=5_000_000, timeout=60)
    return [e for e in result.events if isinstance(e, (CallEntered, CallReturned, CallAbandoned))]


@pytest.mark.parametrize("arch,level", IMAGES)
def test_native_and_python_probes_give_identical_call_events(images, arch, level, monkeypatch):
    path = image(images, arch, level)
    native = call_events(path, "native", monkeypatch)
    assert native == call_events(path, "python", monkeypatch)
    kinds = [type(e).__name__ for e in native]
    assert kinds.count("CallEntered") == 17 and kinds.count("CallReturned") == 16
    [abandoned] = [e for e in native if isinstance(e, CallAbandoned)]
    assert (abandoned.function, abandoned.reason) == ("tcMalloc", "stack-unwound")
