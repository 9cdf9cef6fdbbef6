"""Which instruction of the running block made a memory access: the exact PC for memory hooks.

Unicorn 2.1.4 never syncs PC before an mmio callback (measured: it reads as the block's first
instruction) and syncs it before memory hooks only until a hook first writes PC with
uc_reg_write (every exception return does): from then on ``skip_sync_pc_on_exit`` stays set
(unicorn PR #2181) and PC in a memory hook is a stale value from earlier in the block.  The
registers are exact, so the access is matched against the block's own load/store instructions:
the one whose effective address range holds the accessed address, in program order after the
previous access located in the same execution of the block.  ``None`` when it cannot be told.
"""
from __future__ import annotations

from dataclasses import dataclass

import capstone


@dataclass(frozen=True)
class Access:
    """One memory instruction: it touches [base + (index << shift) + disp, ... + span) (or
    below, for push)."""

    pc: int
    base: str | None
    index: str | None
    disp: int
    span: int
    descending: bool = False           # push/stmdb: the bytes below the base register
    shift: int = 0                     # the index register's left shift


class AccessLocator:
    """Decodes blocks once (capstone, detail on) and locates accesses in them.

    ``decode(insn, write, name)`` is the architecture's (``emulator/arch/<folder>/access.py``):
    the ``Access`` of a load (write False) or store, None if it cannot be evaluated, False if
    the instruction is neither; ``name(reg_id)`` is a register's name as ``reg`` reads it."""

    def __init__(self, spec, decode, read, reg):
        self.decode, self.read, self.reg = decode, read, reg
        self.aliases = dict(spec.register_aliases)
        mode = 0
        for name in spec.capstone.modes:
            mode |= getattr(capstone, name)
        self.cs = capstone.Cs(getattr(capstone, spec.capstone.arch), mode)
        self.cs.detail = True
        self._blocks: dict[tuple[int, int, bool], tuple[Access | None, ...]] = {}
        self._cursor = {True: (-1, -1, -1), False: (-1, -1, -1)}   # (block, start, index)

    def locate(self, block, block_start: int, addr: int, write: bool) -> int | None:
        accesses = self._accesses(block, write)
        cursor = self._cursor[write]
        first = cursor[2] + 1 if cursor[:2] == (block.addr, block_start) else 0
        hits = [i for i in range(first, len(accesses)) if self._may_touch(accesses[i], addr)]
        if not hits or (accesses[hits[0]] is None and len(accesses) > 1):
            return None
        self._cursor[write] = (block.addr, block_start, hits[0])
        return accesses[hits[0]].pc if accesses[hits[0]] else None

    def block_moved(self, block_start: int, cycles: int) -> None:
        """The running block, started at ``block_start``, now starts ``cycles`` later (a
        stall): the accesses already located in it stay located."""
        for write, (addr, start, index) in self._cursor.items():
            if start == block_start:
                self._cursor[write] = (addr, start + cycles, index)

    def _may_touch(self, access: Access | None, addr: int) -> bool:
        if access is None:                 # a memory instruction we cannot evaluate
            return True
        base = self._value(access.base) + (self._value(access.index) << access.shift) + access.disp
        base &= 0xFFFFFFFF
        lo = base - access.span if access.descending else base
        return lo <= addr < lo + access.span

    def _value(self, reg: str | None) -> int:
        return self.reg(reg) if reg else 0

    def _accesses(self, block, write: bool):
        key = (block.addr, block.total, write)
        found = self._blocks.get(key)
        if found is None:
            size = max(block.before) + block.sizes[max(block.before)] - block.addr if block.before else 0
            insns = self.cs.disasm(self.read(block.addr, size), block.addr) if size else ()
            found = self._blocks[key] = tuple(
                a for a in (self.decode(i, write, self._namer(i)) for i in insns) if a is not False)
        return found

    def _namer(self, insn):
        aliases = self.aliases
        return lambda reg_id: aliases.get(insn.reg_name(reg_id), insn.reg_name(reg_id))


