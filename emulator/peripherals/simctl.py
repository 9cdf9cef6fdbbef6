"""Simulator control block: the firmware's exit register and a test critical-input line.

A 32-bit write to +0x0 ends the run with that value as the exit code (the counterpart of ARM
semihosting SYS_EXIT).  A write to +0x4 drives the core's critical input line (nonzero asserts,
zero negates): a testbench stand-in for an external critical interrupt source.  Only whole
32-bit accesses reach the registers (``partial``: False); others read zero and do nothing.
"""
from __future__ import annotations

from typing import Callable

from . import Peripheral
from .registers import Register

EXIT, CRITICAL = 0x0, 0x4


class SimControl(Peripheral):
    """``on_exit(code)`` ends the run; ``critical`` is the level of the critical input line."""

    kind = "simctl"
    registers = (
        Register(EXIT, "EXIT", "w", write="_write_exit"),
        Register(CRITICAL, "CRITICAL", read="_read_critical", write="_write_critical"),
    )
    lanes = {"partial": False}

    def __init__(self, name: str, base: int, size: int, on_exit: Callable[[int], None], **params):
        super().__init__(name, base, size, **params)
        self.on_exit = on_exit
        self.critical = False
        self.map_registers()

    def _write_exit(self, value: int, now: int) -> None:
        self.on_exit(value)

    def _read_critical(self, now: int) -> int:
        return int(self.critical)

    def _write_critical(self, value: int, now: int) -> None:
        self.critical = bool(value)
