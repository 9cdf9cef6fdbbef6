"""Which bytes a Book E load/store touches, from its Capstone operands (Power ISA Book I 3.3)."""
from __future__ import annotations

from capstone import CS_OP_MEM, CS_OP_REG

from ...engine.accesspc import Access


def decode(insn, write: bool, name):
    """The Access of a load (write False) or store, None if unknown, False if neither."""
    kind = _kind(insn.mnemonic)
    if kind is None or kind[0] != write:
        return False
    return kind[1](insn, name)


def _kind(mnemonic: str):
    m = mnemonic.rstrip(".")
    if m.startswith("st") and m not in ("stop",):
        return True, _single
    if m.startswith("l") and m not in ("li", "lis", "la") and m[1:2] in ("b", "h", "w", "m", "f"):
        return False, _single
    return None


def _single(insn, name):
    m = insn.mnemonic.rstrip(".")
    ops = insn.operands
    if m in ("stmw", "lmw"):
        first = int(insn.reg_name(ops[0].reg).lstrip("r%"))
        mem = ops[1].mem
        return Access(insn.address, _base(name, mem.base), None, mem.disp, 4 * (32 - first))
    core = m[2:] if m.startswith("st") else m[1:]
    width = {"b": 1, "h": 2, "w": 4}.get(core[:1], 8 if core.startswith("fd") else 4)
    mem = next((op.mem for op in ops if op.type == CS_OP_MEM), None)
    if mem is not None:
        return Access(insn.address, _base(name, mem.base), None, mem.disp, width)
    regs = [op.reg for op in ops if op.type == CS_OP_REG]
    if len(regs) == 3:                                    # indexed: rA|0 + rB
        return Access(insn.address, _base(name, regs[1]), name(regs[2]), 0, width)
    return None


def _base(name, reg_id: int) -> str | None:
    """rA, or None when rA is r0: the literal 0 in an effective address (Power ISA Book I 1.10.3)."""
    reg = name(reg_id) if reg_id else None
    return None if reg in (None, "r0", "0") else reg
