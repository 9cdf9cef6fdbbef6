"""Zero configuration on gcc firmware (issue 15): profiles and stack bounds found with no rules file.

build/c/arm/zc_*.elf and build/c/ppc/zc_rtos*.elf (firmware/c/zeroconf, zeroconf.mk): newlib-nano
malloc from SysTick; FreeRTOS/CMSIS-RTOS2/Zephyr/ThreadX API names called as their documentation
forbids from an ISR (and a clean twin that uses only the allowed forms); an MSP stack bounded
by CMSIS __StackLimit or STM32Cube _estack/_Min_Stack_Size that SysTick overflows.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_gcc_firmware import make_images, require_tool, run_qemu

ROOT = Path(__file__).resolve().parents[1]
ARM = ["zc_newlib", "zc_newlib_clean", "zc_printf", "zc_rtos", "zc_rtos_clean", "zc_stack_cmsis", "zc_stack_stm32"]
PPC = ["zc_rtos", "zc_rtos_clean"]


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("zeroconf")
    for target in [f"{out}/arm/{n}.elf" for n in ARM] + [f"{out}/ppc/{n}.elf" for n in PPC]:
        make_images(out, target)
    return out


def fwsandbox(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def run_json(path: Path, *extra) -> tuple[dict, int]:
    proc = fwsandbox("run", path, "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc.returncode


def test_newlib_malloc_in_systick_is_caught_with_no_rules_file(images):
    doc, code = run_json(images / "arm" / "zc_newlib.elf")
    assert code == 1 and doc["summary"] == {"alloc-in-isr": 1}     # _malloc_r inside is not a 2nd
    [finding] = doc["findings"]
    assert (finding["function"], finding["context"]["handler"]) == ("malloc", "SysTick_Handler")
    assert finding["source"]["file"] == "firmware/c/zeroconf/newlib_demo.c"
    assert doc["watch"]["profiles"] == [{"name": "newlib", "reason": "symbol _malloc_r"}]
    assert {"malloc", "_malloc_r", "free", "_free_r"} <= set(doc["watch"]["functions"])


def test_printf_in_systick_is_caught_through_its_malloc_r_with_the_chain(images):
    """newlib's printf allocates stdout's buffer: the finding is _malloc_r's, and its backtrace
    goes back through printf to the handler that tail-called it (LR = EXC_RETURN)."""
    doc, code = run_json(images / "arm" / "zc_printf.elf")
    assert code == 1 and set(doc["summary"]) == {"alloc-in-isr"}
    first = doc["findings"][0]
    assert (first["function"], first["context"]["handler"]) == ("_malloc_r", "SysTick_Handler")
    trace = first["backtrace"]
    assert any(frame.startswith(("iprintf+", "printf+")) for frame in trace), trace
    assert "exception return 0xfffffff9 (a handler's tail call)" in trace
    assert not [u for u in doc.get("unreturned", []) if u["function"] in ("printf", "iprintf")]


def test_printf_in_systick_prints_what_qemu_prints(images):
    proc = fwsandbox("run", images / "arm" / "zc_printf.elf")
    text, code = run_qemu(images / "arm" / "zc_printf.elf")
    assert (text, code) == ("tick 2\nnewlib demo done\n", 0)
    assert proc.stdout.startswith(text)


def test_the_clean_newlib_image_is_clean_and_its_heap_balanced(images):
    doc, code = run_json(images / "arm" / "zc_newlib_clean.elf")
    assert (code, doc["findings"]) == (0, [])
    [heap] = doc["heaps"]
    assert (heap["allocator"], heap["allocs"] >= 1) == ("newlib-heap", True)


def test_an_image_without_stack_symbols_says_its_stack_is_not_watched(images):
    proc = fwsandbox("run", images / "arm" / "zc_newlib_clean.elf")
    line = "isr stack: not watched: no base symbol (set [isr_stack] in a rules file)"
    assert line in proc.stdout.splitlines()
    doc, _ = run_json(images / "arm" / "zc_newlib_clean.elf")
    assert doc["watch"]["isr_stack"] == {"name": "isr", "watched": False, "base": None, "top": None,
                                         "source": line.removeprefix("isr stack: ")}


EXPECTED = {  # function -> finding kind, for the forbidden ISR calls of rtosapi_demo.c
    "pvPortMalloc": "alloc-in-isr", "vTaskDelay": "blocking-in-isr",
    "xQueueGenericSend": "blocking-in-isr", "osMemoryPoolAlloc": "alloc-in-isr",
    "osDelay": "blocking-in-isr", "tx_byte_allocate": "alloc-in-isr",
    "tx_block_allocate": "alloc-in-isr", "k_sem_take": "blocking-in-isr"}


@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_every_profiles_forbidden_isr_call_is_caught(images, arch):
    doc, code = run_json(images / arch / "zc_rtos.elf")
    found = {f["function"]: f["kind"] for f in doc["findings"]}
    expected = {k: v for k, v in EXPECTED.items() if arch == "arm" or not k.startswith("k_")}
    assert code == 1 and found == expected
    names = [p["name"] for p in doc["watch"]["profiles"]]
    assert names == ["cmsis-rtos2", "freertos", "threadx"] + (["zephyr"] if arch == "arm" else [])


@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_allowed_forms_in_the_isr_and_waits_in_the_thread_are_clean(images, arch):
    doc, code = run_json(images / arch / "zc_rtos_clean.elf")
    assert (code, doc["findings"]) == (0, [])
    assert {c["function"] for c in doc["allocations"]} >= {"osMemoryPoolAlloc", "tx_block_allocate"}


def test_blocking_findings_read_like_linux_might_sleep(images):
    proc = fwsandbox("run", images / "arm" / "zc_rtos.elf")
    assert ("[blocking-in-isr] BUG: sleeping function called from invalid context: vTaskDelay() "
            "from rtos_isr_body+") in proc.stdout
    assert "osMemoryPoolAlloc is allowed in interrupt context only with argument 1 == 0x0" in proc.stdout


@pytest.mark.parametrize("name,source", [
    ("zc_stack_cmsis", "__StackLimit and vector[0]"), ("zc_stack_stm32", "_estack/_Min_Stack_Size")])
def test_toolchain_stack_symbols_bound_the_msp_stack_and_the_overflow_is_found(images, name, source):
    doc, code = run_json(images / "arm" / f"{name}.elf")
    stack = doc["watch"]["isr_stack"]
    assert (stack["base"], stack["top"], stack["watched"]) == (0x2000FC00, 0x20010000, True)
    assert stack["source"].startswith(source)
    assert code == 1 and doc["summary"] == {"isr-stack-overflow": 2}
    assert {f["context"]["handler"] for f in doc["findings"]} == {"SysTick_Handler"}


def test_fwsandbox_rules_prints_the_watch_and_the_merged_rules_without_running(images, tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('[functions.malloc]\nisr = "always"\n')
    proc = fwsandbox("rules", images / "arm" / "zc_newlib.elf", "--rules", user)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# profiles: newlib (symbol _malloc_r)\n")
    table = proc.stdout.split("[functions.malloc]", 1)[1].split("\n\n")[0]
    assert 'isr = "always"' in table and 'group = "newlib-heap"' in table and "mine.toml" in table
    doc, code = run_json(images / "arm" / "zc_newlib.elf", "--rules", user)
    assert (code, doc["findings"]) == (0, [])    # _malloc_r inside an allowed malloc is part of it


def test_no_profiles_watches_nothing_and_profile_selects_one(images):
    doc, code = run_json(images / "arm" / "zc_rtos.elf", "--no-profiles")
    assert (code, doc["findings"], doc["watch"]["functions"]) == (0, [], [])
    doc, _ = run_json(images / "arm" / "zc_rtos.elf", "--no-profiles", "--profile", "freertos")
    assert doc["watch"]["profiles"] == [{"name": "freertos", "reason": "selected with --profile"}]
    assert {f["function"] for f in doc["findings"]} == {"pvPortMalloc", "vTaskDelay", "xQueueGenericSend"}
