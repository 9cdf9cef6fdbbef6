"""Which bytes a Thumb load/store touches, from its Capstone operands (ARMv7-M ARM A7.7)."""
from __future__ import annotations

from capstone import CS_OP_IMM, CS_OP_MEM, CS_OP_REG
from capstone.arm import ARM_SFT_LSL

from ...engine.accesspc import Access


def decode(insn, write: bool, name):
    """The Access of a load (write False) or store, None if unknown, False if neither."""
    kind = _kind(insn.mnemonic)
    if kind is None or kind[0] != write:
        return False
    return kind[1](insn, name)


def _kind(mnemonic: str):
    m = mnemonic.split(".")[0]
    if m in ("push", "vpush"):
        return True, _push
    if m in ("pop", "vpop"):
        return False, _pop
    if m.startswith(("stm", "ldm")):
        return m.startswith("stm"), _multiple
    if m.startswith(("str", "stl")):
        return True, _single
    if m.startswith(("ldr", "lda")):
        return False, _single
    return None


def _single(insn, name):
    op = next((op for op in insn.operands if op.type == CS_OP_MEM), None)
    if op is None:
        return None
    mem, base = op.mem, name(op.mem.base)
    rest = insn.mnemonic.split(".")[0][3:]
    width = {"b": 1, "h": 2, "d": 8}.get(rest[1:2] if rest[:1] == "s" else rest[:1], 4)
    if base == "pc":            # literal: Align(PC, 4) + imm, PC = the instruction + 4 (A7.7.43)
        return None if mem.index else Access(insn.address, None, None,
                                             ((insn.address + 4) & ~3) + mem.disp, width)
    shift = op.shift.value if mem.index and op.shift.type == ARM_SFT_LSL else 0
    if mem.index and op.shift.type not in (0, ARM_SFT_LSL):
        return None
    index = name(mem.index) if mem.index else None
    return Access(insn.address, base, index, 0 if _post_indexed(insn) else mem.disp, width,
                  shift=shift)


def _post_indexed(insn) -> bool:
    return insn.writeback and any(op.type == CS_OP_IMM for op in insn.operands[2:])


def _push(insn, name):
    regs = sum(1 for op in insn.operands if op.type == CS_OP_REG)
    width = 8 if insn.mnemonic.startswith("v") else 4
    return Access(insn.address, "sp", None, 0, regs * width, descending=True)


def _pop(insn, name):
    regs = sum(1 for op in insn.operands if op.type == CS_OP_REG)
    width = 8 if insn.mnemonic.startswith("v") else 4
    return Access(insn.address, "sp", None, 0, regs * width)


def _multiple(insn, name):
    regs = [op for op in insn.operands if op.type == CS_OP_REG]
    base, count = name(regs[0].reg), len(regs) - 1
    descending = insn.mnemonic.split(".")[0][3:5] == "db"
    return Access(insn.address, base, None, 0, 4 * count, descending)


