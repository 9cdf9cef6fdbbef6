"""Exception frames the cores push: the stack must be mapped, and every stack watcher sees them."""
from __future__ import annotations

from ..engine.cpu import CpuFault


class FrameWriter:
    """Pushes frames through the CpuPort ``cpu`` into the memory of ``board``."""

    def __init__(self, cpu, board):
        self.cpu, self.board = cpu, board
        self.watchers: list = []                # StackProbe-like: frame_pushed(addr, size)
        self._region = (0, 0)                   # [lo, hi) known mapped: see _check

    def write(self, addr: int, data: bytes, size: int | None = None) -> None:
        """Push an exception frame of ``size`` bytes (default ``len(data)``), the first
        ``len(data)`` of them stored now (the rest reserved: a lazy FP frame); an unmapped
        stack is a CpuFault the run loop reports."""
        size = len(data) if size is None else size
        lo, hi = self._region
        if not lo <= addr <= hi - size:
            self._check(addr, size)
        for watcher in self.watchers:
            watcher.frame_pushed(addr, size)
        self.cpu.write(addr, data)

    def _check(self, addr: int, size: int) -> None:
        """Fault unless mapped; remember the board memory region holding it (board memory is
        mapped once at start and never unmapped, so later frames inside it need no check)."""
        if not self.cpu.is_mapped(addr, size):
            raise CpuFault("stacking-fault", self.cpu.reg("pc"), addr)
        region = self.board.region_of(addr, size)
        if region is not None:
            self._region = (region.base, region.base + region.size)
