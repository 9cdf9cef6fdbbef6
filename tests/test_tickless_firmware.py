"""Tickless-idle gcc firmware (issue 14) on QEMU mps2-an386 and on fwsandbox, against its design.

firmware/c/arm/tickless.c rewrites SYST_RVR mid-period while CMSDK TIMER0 wakes the core four
times per tick.  The designed transcript is computed here from the schedule in that file (its
#defines) and the ARMv7-M B3.3.1 rule that a new RVR is loaded only when the running period
ends; QEMU (the trusted peer) and the emulator must both print it and exit with its code.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_gcc_firmware import FIRMWARE, make_images, require_tool, run_emulator, run_qemu

SOURCE = FIRMWARE / "arm" / "tickless.c"
BANNER = "fwsandbox tickless idle: systick tick, timer0 wakes 4x per tick\n"


def schedule() -> dict[str, int]:
    """The firmware's numeric #defines (SLEEP_TICKS, SLEEP_FROM, ...)."""
    text = SOURCE.read_text()
    return {m[1]: int(m[2]) for m in re.finditer(r"^#define (\w+)\s+(\d+)u?\b", text, re.M)}


def ticks_seen(d: dict[str, int]) -> tuple[list[int], int]:
    """RTOS ticks at each TIMER0 wakeup, and the SysTick interrupts by the last one.

    Time in eighths of a tick: wakeup k comes at 2k + 1.  The idle code that runs after wakeup
    j - 1 writes RVR for a sleep of len(j) ticks; a period starting at boundary b is as long as
    the RVR written last before b (B3.3.1), and ends with a SysTick adding its length."""
    def length(j: int) -> int:
        return d["SLEEP_TICKS"] if d["SLEEP_FROM"] <= j < d["SLEEP_UNTIL"] else 1

    last = 2 * (d["WAKEUPS"] - 1) + 1
    ends, start = [], 0                           # (end time, ticks added) of each period
    while start <= last:
        wakeups_before = (start + 1) // 2         # wakeups at times < start
        n = length(wakeups_before)
        ends.append((start + 8 * n, n))
        start += 8 * n
    seen = [sum(n for end, n in ends if end < 2 * k + 1) for k in range(d["WAKEUPS"])]
    return seen, sum(1 for end, _ in ends if end < last)


def designed_output() -> tuple[str, int]:
    d = schedule()
    seen, entries = ticks_seen(d)
    lines, before = [BANNER], 0
    for k, t in enumerate(seen):
        if t != before:
            lines.append(f"wakeup {k} ticks={t} elapsed={k // 4}\n")
        before = t
    ok = (seen[-1] == d["EXPECT_TICKS"] and entries == d["EXPECT_SYSTICK"]
          and all(t <= k // 4 for k, t in enumerate(seen)))
    lines.append(f"ticks={seen[-1]} systick entries={entries} timer0 wakeups={d['WAKEUPS']}"
                 " rvr rewritten at every idle entry\n")
    lines.append("tick accounting ok\n" if ok else "tick accounting BAD\n")
    return "".join(lines), 0 if ok else 1


@pytest.fixture(scope="module")
def tickless_elf(tmp_path_factory) -> Path:
    require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("c-firmware")
    elf = out / "arm" / "tickless.elf"
    make_images(out, str(elf))
    return elf


@pytest.fixture(scope="module")
def qemu_result(tickless_elf) -> tuple[str, int]:
    return run_qemu(tickless_elf)


def test_the_designed_schedule_sleeps_across_tick_boundaries_and_passes_its_own_check():
    text, code = designed_output()
    assert code == 0 and "wakeup 12 ticks=3" in text      # the long sleep starts at tick 3
    assert len(text.splitlines()) > 8


def test_tickless_firmware_prints_the_designed_transcript_and_exit_code_on_qemu(qemu_result):
    assert qemu_result == designed_output()


def test_tickless_firmware_gives_the_same_console_and_exit_code_on_fwsandbox_as_on_qemu(
        tickless_elf, qemu_result):
    result = run_emulator(tickless_elf)
    assert result.reason == "exit", f"{result.reason}: {result.message}\n{result.output}"
    assert (result.output, result.code) == qemu_result
