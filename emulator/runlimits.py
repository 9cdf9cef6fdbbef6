"""How a run may end besides the firmware's own exit: ``--run-for`` durations and idle endings."""
from __future__ import annotations

import math
import re

from .errors import BadInput

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
