"""Positions inside the running translated block: exact cycles, the PC of a memory access, and
ending a block early.  Unicorn reports blocks, not instructions; the block clock knows which
block runs and when it began, and the block's cost (cyclemodel) knows each instruction's offset.
"""
from __future__ import annotations

from typing import NamedTuple


def offset_at(block, pc: int) -> int | None:
    """Cycles from the start of ``block`` (a cyclemodel BlockCost) to the start of the
    instruction at ``pc``; None if ``pc`` is not in it."""
    return block.before.get(pc)


def offset_after(block, pc: int) -> int | None:
    """Cycles from the start of ``block`` until the instruction at ``pc`` completes."""
    if pc not in block.before:
        return None
    return block.before.get(pc + block.sizes[pc], block.total)


class Where(NamedTuple):
    """The block clock at some moment: the running block's costs, when it began, and now."""

    block: object                  # cyclemodel block cost (before/sizes/total/penalty) or None
    block_start: int
    now: int

    def cycle_at(self, pc: int) -> int:
        """The cycle at which the instruction at ``pc`` of the block starts."""
        return self._plus(offset_at, pc)

    def cycle_after(self, pc: int) -> int:
        """The cycle at which the instruction at ``pc`` of the block completes."""
        return self._plus(offset_after, pc)

    def _plus(self, offset, pc: int) -> int:
        found = None if self.block is None else offset(self.block, pc)
        return self.now if found is None else self.block_start + found


class RecordCycles(dict):
    """``offset(block, pc)`` memoised per instruction and block: keyed by a probe record's
    first three fields ``(pc, block_addr, block_size)`` (probes.RECORD_HEAD).  The point's
    cycle is the record's block_start plus the offset, or its ``now`` if the offset is None
    (the block's cost is unknown)."""

    def __init__(self, costs: dict, offset):
        super().__init__()
        self.costs, self.offset = costs, offset

    def __missing__(self, key: tuple) -> int | None:
        block = self.costs.get(key[1:])
        found = self[key] = None if block is None else self.offset(block, key[0])
        return found


class BlockPosition:
    """The current block's instructions, for hooks that fire inside it (MMIO, probes, SPRs)."""

    def __init__(self, clock, cpu, locator, exec_pc):
        self.clock, self.cpu, self.locator, self.exec_pc = clock, cpu, locator, exec_pc

    def where(self) -> Where:
        clock = self.clock
        return Where(clock.block, clock.block_start, clock.now)

    def cycle_at(self, pc: int) -> int:
        """The exact cycle at which the instruction at ``pc`` of the current block starts."""
        return self.where().cycle_at(pc)

    def cycle_after(self, pc: int) -> int:
        """The exact cycle at which the instruction at ``pc`` of the current block completes."""
        return self.where().cycle_after(pc)

    def access_pc(self, addr: int, write: bool = True) -> int:
        """The PC of the instruction making the memory access in progress (for memory hooks:
        the engine's own PC there goes stale, see emulator/engine/accesspc.py)."""
        return self.access_at(addr, write)[0]

    def access_at(self, addr: int, write: bool = True) -> tuple[int, int]:
        """``access_pc`` and the ``cycle_at`` of that PC in one (the MMIO hooks' hot path)."""
        where = self.where()
        pc = None
        if where.block is not None:
            pc = self.locator.locate(where.block, where.block_start, addr, write)
        if pc is None:
            pc = self.cpu.reg("pc")
        return pc, where.cycle_at(pc)

    def end_block_after(self, pc: int) -> None:
        """Make the instruction at ``pc`` the last of its block (an MMIO write changed state)."""
        clock = self.clock
        block = clock.block
        if block is None or pc not in block.before:
            return
        nxt = pc + block.sizes[pc]
        if nxt not in block.before:
            return                                   # it already is the last one
        clock.now = clock.block_start + block.before[nxt]
        clock.instructions -= block.count - block.index_of(nxt)
        clock.penalty = 0
        self.cpu.set_reg("pc", self.exec_pc(nxt))
