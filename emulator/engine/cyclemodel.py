"""Cycle models: per-ISA instruction timing tables, applied per translated block.

The machine's clock *is* this model's count (DESIGN §3).  A block's cost is computed once, when
the block is first seen, from its disassembly; executing it again costs one table lookup.

Cortex-M4 model (``cortex-m4``), after the Cortex-M4 TRM r0p1, table 3-1 (section 3.3.1):
  data processing, MOV, CMP, shifts, MUL/MLA, long multiplies, IT, CPS, NOP, WFI   1
  LDR/STR single (incl. byte, halfword, literal)                                 2, 1 when it
      immediately follows another single LDR/STR (address/data phase pipelining)
  LDRD/STRD                                                                     3
  LDM/STM/PUSH/POP of N registers                                                1+N
  taken branch B/BL/BX/BLX/CBZ/CBNZ, or an instruction writing PC                1+P, P = 2
  not-taken conditional branch                                                  1
  TBB/TBH                                                                       2+P
  UDIV/SDIV                                                                     12 (the worst
      case of 2-12: the early termination depends on operands a static model does not see)
  MRS/MSR                                                                       2
  ISB/DSB/DMB                                                                   2 (1+B, B = 1)
  VFP: VDIV/VSQRT 14, VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1+N, other VFP 1
  exception entry 12, exception return 10, tail-chain 6 (TRM 3.3.2 / ARMv7-M interrupt latency)
Whether a conditional branch was taken is known at the next block: the penalty P is charged
when that block does not start at the branch's fall-through address.

Cortex-M3 model (``cortex-m3``), after the Cortex-M3 TRM r2p1, table 18-1 (section 18.2): the
Cortex-M4 table above except the multiplies, which the M3 does not do in one cycle:
  MUL/MULS 1, MLA/MLS 2, UMULL/SMULL 5 and UMLAL/SMLAL 7 (the worst cases of 3-5 and 4-7: the
  early termination depends on operands), no VFP and no DSP instructions.
  Exception entry 12, return 10, tail-chain 6, as the M4 (TRM 5.5.1).

e200z6 model (``e200z6``), after the e200z3/e200z6 core RMs, chapter "Instruction Pipeline and
Execution Timing" (e200z3 RM rev. 2 §6.1.3 branch unit, §6.2.1 integer unit, §6.2.2 load/store
unit), zero-wait-state SRAM/flash (no cache misses modelled):
  add/sub/logical/compare/shift/rotate/cntlzw, mullw/mulhw/mulli, mfspr/mtspr/mfcr/mtcr   1
  lwz/stw/lbz/stb/lhz/sth and their update/indexed forms                                 1
  lmw/stmw of N registers (N = 32 - rD)                                                   N
  divw/divwu                                                                              16 (the
      worst case of 6-16: the early termination depends on operands a static model does not see)
  mtmsr, wrtee, wrteei, isync, msync/sync, mbar                                           2
      (execution-serialising)
  taken branch b/bl/blr/bctr/bctrl/rfi/rfci                                               2 (1+P, P = 1)
  not-taken conditional branch                                                           1
  sc                                                                                      1
  interrupt entry 4 (pipeline flush + vector fetch, a model parameter: the RMs give no single
  figure), interrupt return: rfi/rfci is charged as a taken branch, no extra exit cost.
"""
from __future__ import annotations

from dataclasses import dataclass

import capstone
from capstone import arm_const as CA

from ..errors import BadInput


@dataclass(frozen=True)
class BlockCost:
    """Static cost of one translated block; ``before[addr]`` is cycles spent before ``addr``."""

    addr: int
    count: int
    total: int
    before: dict
    sizes: dict
    penalty: int            # extra cycles if the block's final conditional branch is taken
    fallthrough: int
    fp_first: int | None = None   # address of the block's first FP (CP10/CP11) instruction
    sysreg_first: int | None = None   # address of its first MRS/MSR of CONTROL

    def cycles_before(self, pc: int) -> int:
        return self.before.get(pc, self.total)

    def index_of(self, pc: int) -> int:
        return list(self.before).index(pc) if pc in self.before else self.count


@dataclass(frozen=True)
class Timing:
    """Cost of one instruction: ``cycles`` when it falls through, ``penalty`` if it branches."""

    cycles: int
    penalty: int = 0
    dynamic: bool = False   # conditional branch: penalty only when taken


def is_fp_instruction(mnemonic: str) -> bool:
    """An FPv4-SP instruction (CP10/CP11 space: every ``v*`` mnemonic on an M-profile core),
    which ARMv7-M B1.4.7 ExecuteFPCheck() subjects to CPACR and lazy state preservation."""
    return mnemonic[0] == "v"


def accesses_control(insn) -> bool:
    """MRS/MSR of CONTROL (B5.2.2/B5.2.3), whose FP bits Unicorn keeps differently (fpu.py)."""
    return insn.mnemonic in ("mrs", "msr") and "control" in insn.op_str


class CortexM4Model:
    """Cortex-M4 TRM table 3-1 as a static per-instruction table (see module docstring)."""

    name = "cortex-m4"
    version = "cortex-m4-trm-r0p1-table3.1/v1"
    exception_entry = 12
    exception_exit = 10
    tail_chain = 6
    P = 2

    _LOADSTORE = ("ldr", "str")
    _MULTI = ("ldm", "stm", "push", "pop")

    def __init__(self):
        self.cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        self.cs.detail = True

    def block(self, code: bytes, addr: int) -> BlockCost:
        before, sizes, total, prev, timing, fp, sysreg = {}, {}, 0, "", Timing(0), [], []
        for insn in self.cs.disasm(code, addr):
            timing = self.timing(insn, prev)
            before[insn.address], sizes[insn.address] = total, insn.size
            total += timing.cycles + (0 if timing.dynamic else timing.penalty)
            prev = insn.mnemonic
            if is_fp_instruction(insn.mnemonic):
                fp.append(insn.address)
            elif accesses_control(insn):
                sysreg.append(insn.address)
        dynamic = timing.penalty if timing.dynamic else 0
        return BlockCost(addr, len(before), total, before, sizes, dynamic, addr + len(code),
                         fp[0] if fp else None, sysreg[0] if sysreg else None)

    def timing(self, insn, prev: str) -> Timing:
        m = insn.mnemonic.split(".")[0]
        writes_pc = self._writes_pc(insn, m)
        conditional = insn.cc not in (CA.ARM_CC_AL, CA.ARM_CC_INVALID) or m in ("cbz", "cbnz")
        base = self._base_cycles(insn, m, prev)
        if not writes_pc:
            return Timing(base)
        return Timing(base, self.P, dynamic=conditional)

    def _base_cycles(self, insn, m: str, prev: str) -> int:
        if m.startswith("v"):
            return self._vfp_cycles(insn, m)
        if m.startswith(self._MULTI):
            return 1 + self._reg_list_len(insn)
        if m in ("ldrd", "strd"):
            return 3
        if m.startswith(self._LOADSTORE) and not m.startswith(("ldrex", "strex")):
            return 1 if self._single_ls(prev) else 2
        if m in ("tbb", "tbh"):
            return 2
        if m in ("udiv", "sdiv"):
            return 12
        if m in ("mrs", "msr", "isb", "dsb", "dmb"):
            return 2
        return 1

    def _single_ls(self, prev: str) -> bool:
        p = prev.split(".")[0]
        return p.startswith(self._LOADSTORE) and p not in ("ldrd", "strd") and "ex" not in p

    def _vfp_cycles(self, insn, m: str) -> int:
        if m.startswith(("vdiv", "vsqrt")):
            return 14
        if m.startswith(("vldm", "vstm", "vpush", "vpop")):
            return 1 + self._reg_list_len(insn)
        return 2 if m.startswith(("vldr", "vstr")) else 1

    @staticmethod
    def _reg_list_len(insn) -> int:
        regs = [op for op in insn.operands if op.type == CA.ARM_OP_REG]
        if insn.mnemonic.startswith(("push", "pop", "vpush", "vpop")):
            return len(regs)
        return max(1, len(regs) - 1)      # LDM/STM: first operand is the base register

    @staticmethod
    def _writes_pc(insn, m: str) -> bool:
        if m in ("b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"):
            return True
        if m in ("svc", "bkpt", "udf"):
            return False
        _, written = insn.regs_access()
        return CA.ARM_REG_PC in written


class CortexM3Model(CortexM4Model):
    """Cortex-M3 TRM table 18-1: the M4 table with the M3's multiplier (see module docstring)."""

    name = "cortex-m3"
    version = "cortex-m3-trm-r2p1-table18.1/v1"
    _MULTIPLY = {"mla": 2, "mls": 2, "umull": 5, "smull": 5, "umlal": 7, "smlal": 7}

    def _base_cycles(self, insn, m: str, prev: str) -> int:
        return self._MULTIPLY.get(m) or super()._base_cycles(insn, m, prev)


class E200Z6Model:
    """e200z6-class Book E core timing as a static per-instruction table (see module docstring)."""

    name = "e200z6"
    version = "e200z6-e200z3rm-rev2-ch6/v1"
    exception_entry = 4
    exception_exit = 0
    tail_chain = 0
    P = 1

    _ALWAYS_TAKEN = ("b", "ba", "bl", "bla", "blr", "blrl", "bctr", "bctrl", "rfi", "rfci")
    _SERIALISING = ("mtmsr", "wrtee", "wrteei", "isync", "msync", "sync", "eieio", "mbar")

    def __init__(self):
        self.cs = capstone.Cs(capstone.CS_ARCH_PPC, capstone.CS_MODE_32 | capstone.CS_MODE_BIG_ENDIAN)
        self.cs.detail = True

    def block(self, code: bytes, addr: int) -> BlockCost:
        before, sizes, total, timing = {}, {}, 0, Timing(0)
        for insn in self.cs.disasm(code, addr):
            timing = self.timing(insn)
            before[insn.address], sizes[insn.address] = total, insn.size
            total += timing.cycles + (0 if timing.dynamic else timing.penalty)
        dynamic = timing.penalty if timing.dynamic else 0
        return BlockCost(addr, len(before), total, before, sizes, dynamic, addr + len(code))

    def timing(self, insn) -> Timing:
        m = insn.mnemonic.rstrip(".+-")
        if m in self._ALWAYS_TAKEN:
            return Timing(1, self.P)
        if capstone.CS_GRP_JUMP in insn.groups or m.startswith("bc"):
            return Timing(1, self.P, dynamic=True)
        if m in ("lmw", "stmw"):
            return Timing(max(1, 32 - insn.operands[0].reg + capstone.ppc_const.PPC_REG_R0))
        if m.startswith("divw"):
            return Timing(16)
        if m in self._SERIALISING:
            return Timing(2)
        return Timing(1)


MODELS = {"cortex-m4": CortexM4Model, "cortex-m3": CortexM3Model, "e200z6": E200Z6Model}


def model_for(name: str, where: str = "cycle model"):
    """A fresh model by name; an unknown name is a BadInput naming ``where`` (file and key)."""
    factory = MODELS.get(name) if isinstance(name, str) else None
    if factory is None:
        raise BadInput(f"{where}: unknown cycle model {name!r} (known: {', '.join(sorted(MODELS))})")
    return factory()
