"""How a run may end besides the firmware's own exit: the cycle budget, ``--run-for``, idling
for good, the wall-clock timeout (DESIGN: every run has a budget and a timeout), and durations."""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

from .clocked import NEVER              # no cycle limit
from ..errors import BadInput

MAX_TIMEOUT = 1e9                       # seconds: a longer --timeout is taken as this
MAX_CYCLES = (1 << 63) - 1              # the clock's counters are 64-bit

# A count of cycles ("2000000", "2_000_000", "5M") or model time at the board's clock ("2s").
_DURATION = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")
_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_COUNTS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}


def parse_duration(text: str | int, clock_hz: int, key: str = "--run-for") -> int:
    """Cycles of ``text``: plain cycles (with an optional k/M/G multiplier) or a model-time
    duration (s, ms, us, ns) at ``clock_hz``, the board's declared clock.  At least 1."""
    if isinstance(text, int) and not isinstance(text, bool):
        cycles = text
    else:
        match = _DURATION.match(str(text))
        if match is None or match[2] not in {**_SECONDS, **_COUNTS}:
            raise BadInput(f"{key}: {text!r} is not a duration (cycles like 2000000 or 5M, "
                           "or model time like 2s, 500ms, 20us)")
        number, unit = float(match[1].replace("_", "")), match[2]
        scale = _SECONDS[unit] * clock_hz if unit in _SECONDS else _COUNTS[unit]
        cycles = number * scale
    if not math.isfinite(cycles) or cycles < 1 or cycles > 1 << 62:
        raise BadInput(f"{key}: {text!r} must be between 1 cycle and 2**62 cycles")
    return int(cycles)


def cycles_text(cycles: int, clock_hz: int) -> str:
    """``2,000,000 cycles (80 ms at 25 MHz)``: a duration as both engineers read it."""
    ms = cycles * 1000 / clock_hz
    return f"{cycles:,} cycles ({ms:g} ms at {clock_hz / 1e6:g} MHz)"


@dataclass
class RunResult:
    """How one run ended and what it produced (``Machine.run``)."""

    reason: str                        # exit, budget, timeout, fault, deadlock, stopped, returned
    code: int | None
    cycles: int
    instructions: int
    output: str
    message: str = ""
    events: list = field(default_factory=list)


@dataclass(frozen=True)
class RunLimits:
    """One run's ends: ``budget_end`` (the cycle the run stops at, whichever comes first of the
    budget and ``run_for``), ``stop_end`` (the run_for cycle, or None), ``idle_ok`` and the
    wall-clock end (time.monotonic)."""

    budget_end: int = NEVER
    stop_end: int | None = None
    run_for: int | None = None
    idle_ok: bool = False
    wall_end: float = math.inf

    @classmethod
    def start(cls, now: int, max_cycles, timeout, run_for: int | None = None,
              idle_ok: bool = False) -> "RunLimits":
        """The limits of a run starting at cycle ``now``; bad values are BadInput."""
        max_cycles, timeout = _checked(max_cycles, timeout)
        stop_end = now + run_for if run_for else None
        return cls(min(now + max_cycles, stop_end or NEVER), stop_end, run_for, idle_ok,
                   time.monotonic() + timeout)

    def out_of_cycles(self, now: int, where: str, polling: str) -> tuple[str, str]:
        """(reason, message) once ``budget_end`` is reached: 'stopped' when it was run_for's."""
        if self.stop_end is not None and now >= self.stop_end:
            return "stopped", f"ran for {self.run_for:,} cycles as asked {where}"
        return "budget", f"cycle budget of {self.budget_end:,} cycles reached {where}{polling}"

    def idle_forever(self, faulted: bool, where: str) -> tuple[str, str]:
        """(reason, message) of a core idle with nothing left that can wake it."""
        reason = "fault" if faulted else "stopped" if self.idle_ok else "deadlock"
        return reason, (f"core idle {where} with no interrupt that can ever wake it"
                        + (" (--idle-ok)" if reason == "stopped" else ""))


def _checked(max_cycles, timeout) -> tuple[int, float]:
    """``run``'s budget and timeout, checked: a BadInput for what no run can use."""
    if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) \
            or not 1 <= max_cycles <= MAX_CYCLES:
        raise BadInput(f"--max-cycles {max_cycles!r}: expected an integer from 1 to {MAX_CYCLES}")
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        raise BadInput(f"--timeout {timeout!r}: expected a number of seconds") from None
    if math.isnan(seconds) or seconds <= 0:
        raise BadInput(f"--timeout {timeout!r}: expected a number of seconds > 0")
    return max_cycles, min(seconds, MAX_TIMEOUT)
