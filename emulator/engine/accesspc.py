"""Which instruction of the running block made a memory access: the exact PC for memory hooks.

Unicorn 2.1.4 syncs PC before memory hooks only until a hook first writes PC with
uc_reg_write (every exception return does): from then on ``skip_sync_pc_on_exit`` stays set
(unicorn PR #2181) and PC in a memory hook is a stale value from earlier in the block.  The
registers are exact, so the access is matched against the block's own load/store instructions:
the one whose effective address range holds the accessed address, in program order after the
previous access located in the same execution of the block.  ``None`` when it cannot be told.
"""
from __future__ import annotations

from dataclasses import dataclass

import capstone
from capstone import CS_OP_IMM, CS_OP_MEM, CS_OP_REG

ARM_ALIASES = {"sb": "r9", "sl": "r10", "fp": "r11", "ip": "r12"}


@dataclass(frozen=True)
class Access:
    """One memory instruction: it touches [base + index + disp, ... + span) (or below, for push)."""

    pc: int
    base: str | None
    index: str | None
    disp: int
    span: int
    descending: bool = False           # push/stmdb: the bytes below the base register


class AccessLocator:
    """Decodes blocks once (capstone, detail on) and locates accesses in them."""

    def __init__(self, arch: str, read, reg):
        self.arch, self.read, self.reg = arch, read, reg
        if arch == "cortex-m":
            self.cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        else:
            self.cs = capstone.Cs(capstone.CS_ARCH_PPC, capstone.CS_MODE_32 | capstone.CS_MODE_BIG_ENDIAN)
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

    def _may_touch(self, access: Access | None, addr: int) -> bool:
        if access is None:                 # a memory instruction we cannot evaluate
            return True
        base = self._value(access.base) + self._value(access.index) + access.disp
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
            found = self._blocks[key] = tuple(a for a in (self._decode(i, write) for i in insns)
                                              if a is not False)
        return found

    def _decode(self, insn, write: bool):
        """Access for a load (write=False) or store instruction, False if it is neither."""
        kind = _arm_kind(insn.mnemonic) if self.arch == "cortex-m" else _ppc_kind(insn.mnemonic)
        if kind is None or kind[0] != write:
            return False
        _, span_of = kind
        return span_of(self, insn)


def _arm_kind(mnemonic: str):
    m = mnemonic.split(".")[0]
    if m in ("push", "vpush"):
        return True, _arm_push
    if m in ("pop", "vpop"):
        return False, _arm_pop
    if m.startswith(("stm", "ldm")):
        return m.startswith("stm"), _arm_multiple
    if m.startswith(("str", "stl")):
        return True, _arm_single
    if m.startswith(("ldr", "lda")):
        return False, _arm_single
    return None


def _reg(locator, insn, reg_id: int) -> str:
    name = insn.reg_name(reg_id)
    return ARM_ALIASES.get(name, name) if locator.arch == "cortex-m" else name


def _arm_single(locator, insn):
    mem = next((op.mem for op in insn.operands if op.type == CS_OP_MEM), None)
    if mem is None:
        return None
    base = _reg(locator, insn, mem.base)
    if base == "pc" or mem.lshift:
        return None
    index = _reg(locator, insn, mem.index) if mem.index else None
    rest = insn.mnemonic.split(".")[0][3:]
    width = {"b": 1, "h": 2, "d": 8}.get(rest[1:2] if rest[:1] == "s" else rest[:1], 4)
    return Access(insn.address, base, index, 0 if _post_indexed(insn) else mem.disp, width)


def _post_indexed(insn) -> bool:
    return insn.writeback and any(op.type == CS_OP_IMM for op in insn.operands[2:])


def _arm_push(locator, insn):
    regs = sum(1 for op in insn.operands if op.type == CS_OP_REG)
    width = 8 if insn.mnemonic.startswith("v") else 4
    return Access(insn.address, "sp", None, 0, regs * width, descending=True)


def _arm_pop(locator, insn):
    regs = sum(1 for op in insn.operands if op.type == CS_OP_REG)
    width = 8 if insn.mnemonic.startswith("v") else 4
    return Access(insn.address, "sp", None, 0, regs * width)


def _arm_multiple(locator, insn):
    regs = [op for op in insn.operands if op.type == CS_OP_REG]
    base, count = _reg(locator, insn, regs[0].reg), len(regs) - 1
    descending = insn.mnemonic.split(".")[0][3:5] == "db"
    return Access(insn.address, base, None, 0, 4 * count, descending)


def _ppc_kind(mnemonic: str):
    m = mnemonic.rstrip(".")
    if m.startswith("st") and m not in ("stop",):
        return True, _ppc_single
    if m.startswith("l") and m not in ("li", "lis", "la") and m[1:2] in ("b", "h", "w", "m", "f"):
        return False, _ppc_single
    return None


def _ppc_single(locator, insn):
    m = insn.mnemonic.rstrip(".")
    ops = insn.operands
    if m in ("stmw", "lmw"):
        first = int(insn.reg_name(ops[0].reg).lstrip("r%"))
        mem = ops[1].mem
        return Access(insn.address, _ppc_base(locator, insn, mem.base), None, mem.disp, 4 * (32 - first))
    core = m[2:] if m.startswith("st") else m[1:]
    width = {"b": 1, "h": 2, "w": 4}.get(core[:1], 8 if core.startswith("fd") else 4)
    mem = next((op.mem for op in ops if op.type == CS_OP_MEM), None)
    if mem is not None:
        return Access(insn.address, _ppc_base(locator, insn, mem.base), None, mem.disp, width)
    regs = [op.reg for op in ops if op.type == CS_OP_REG]
    if len(regs) == 3:                                    # indexed: rA|0 + rB
        return Access(insn.address, _ppc_base(locator, insn, regs[1]), insn.reg_name(regs[2]), 0, width)
    return None


def _ppc_base(locator, insn, reg_id: int) -> str | None:
    name = insn.reg_name(reg_id) if reg_id else None
    return None if name in (None, "r0", "0") else name
