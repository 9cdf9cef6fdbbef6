"""Simulator control block: the firmware's exit register and a test critical-input line.

A 32-bit write to +0x0 ends the run with that value as the exit code (the counterpart of ARM
semihosting SYS_EXIT).  A write to +0x4 drives the core's critical input line (nonzero asserts,
zero negates): a testbench stand-in for an external critical interrupt source.
"""
from __future__ import annotations

from typing import Callable

from . import Peripheral

EXIT, CRITICAL = 0x0, 0x4


class SimControl(Peripheral):
    """``on_exit(code)`` ends the run; ``critical`` is the level of the critical input line."""

    kind = "simctl"

    def __init__(self, name: str, base: int, size: int, on_exit: Callable[[int], None], **params):
        super().__init__(name, base, size, **params)
        self.on_exit = on_exit
        self.critical = False

    def read(self, offset: int, size: int, now: int) -> int:
        return int(self.critical) if offset == CRITICAL and size == 4 else 0

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        if offset == EXIT and size == 4:
            self.on_exit(value)
        elif offset == CRITICAL and size == 4:
            self.critical = bool(value)
