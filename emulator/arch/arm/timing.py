"""Cortex-M4/M3 instruction timing: TRM r0p1 table 3-1 with its notes, section 3.3.2, table 7-1.

Every rule below is one the Cortex-M4 TRM (DDI 0439B, r0p1) states; the section is cited where
the code applies it.  Cycle counts are the TRM's zero-wait-state counts; a board's memory wait
states (emulator/arch/arm/waits.py) are added on top.

Branches (table 3-1: taken branch 1+P, P the pipeline refill, "1 to 3 depending on the alignment
and width of the target instruction, and whether the processor manages to speculate the address
early"; the table's branch note: a taken branch with an immediate target normally has 1 cycle
of refill, one with a register target 2, and the refill is longer when the target is an
unaligned 32-bit instruction):
  B, B<c>, B.W, BL, CBZ/CBNZ (target an immediate, speculated)      P = 1 + U
  BX, BLX Rm, MOV PC / ADD PC and other ALU writes of PC           P = 2 (+ U: see below)
  LDR PC, LDM/POP with PC, TBB/TBH (target read from memory)       P = 3 (section 3.3.2: "three
      cycles for the pipeline reload"), already the maximum
  U = 1 when the target is a 32-bit instruction at an address that is not word-aligned.  For a
  register target the address is only known when the branch executes: the static model charges
  P = 2 (the note's "normally"), without U (README, "Time and cycles", says so).
Loads and stores (section 3.3.2):
  LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX/STREX  2, or 1 when the previous instruction is a single LDR
      (or LDREX/STREX) whose destination is not an address register of this one
  STR/STRB/STRH with an immediate offset  1 always (the data phase overlaps the next instruction)
  STR with a register offset            2, or 1 behind an LDR as above; nothing pipelines after
      any STR ("nothing can be pipelined after the store")
  any load or store whose address register was written by the data-processing instruction just
      before it                         +1 (no forwarding path)
  LDR PC                                2 + P (P = 3): 5; TBB/TBH 2 + 1 (the add) + P (P = 3): 6
  LDRD/STRD                             3, not pipelined with neighbours
  LDM/STM/PUSH/POP of N registers        1 + N (N counts PC and LR; base writeback is free),
      + P (P = 3) with PC in the list; not pipelined with neighbours
Integer (table 3-1): MUL, MLA, MLS, SMULL/UMULL, SMLAL/UMLAL and the DSP multiplies 1; IT 1;
  MRS/MSR 2 (the table's "1 or 2": 2 is the count for the special registers the sandbox models);
  ISB/DSB/DMB 1 + B with B = 1; UDIV/SDIV 2 to 12 by operand values (arch/arm/divide.py charges
  the difference where the instruction runs; here the minimum, 2).
FPv4-SP (TRM section 7.2.3, table 7-1): VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT/VMOV/VMRS/VMSR 1,
  VMOV of two core registers 2, VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS 3, VDIV/VSQRT 14,
  VLDR/VSTR .32 2 and .64 3, VLDM/VSTM/VPUSH/VPOP 1 + N (N single-precision registers: a D
  register is two).
Not modelled (static model, dynamic facts): unaligned data accesses (+1/+2), the "might add a
cycle" of LDR [PC] fetch contention, and condition-failed instructions inside an IT block (charged
as if executed).  The Cortex-M3 subclass changes only the multiplier (TRM r2p1 table 18-1).
"""
from __future__ import annotations

from dataclasses import dataclass

from capstone import arm_const as CA

IMMEDIATE_TARGET = ("b", "bl", "cbz", "cbnz")
REGISTER_TARGET = ("bx", "blx")
TABLE_BRANCH = ("tbb", "tbh")
P_IMMEDIATE, P_REGISTER, P_LOADED = 1, 2, 3


@dataclass(frozen=True)
class Timing:
    """Cost of one instruction: ``cycles`` when it falls through, ``penalty`` if it branches."""

    cycles: int
    penalty: int = 0
    dynamic: bool = False   # conditional branch: penalty only when taken


@dataclass(frozen=True)
class Prev:
    """What the next instruction's pipelining depends on (TRM 3.3.2)."""

    kind: str = ""              # "load" (single LDR/LDREX/STREX), "store", "dp", "" (other)
    writes: frozenset = frozenset()   # core registers it writes (load: its destination)


NONE = Prev()


_CC = {CA.ARM_CC_EQ: "eq", CA.ARM_CC_NE: "ne", CA.ARM_CC_HS: "hs", CA.ARM_CC_LO: "lo",
       CA.ARM_CC_MI: "mi", CA.ARM_CC_PL: "pl", CA.ARM_CC_VS: "vs", CA.ARM_CC_VC: "vc",
       CA.ARM_CC_HI: "hi", CA.ARM_CC_LS: "ls", CA.ARM_CC_GE: "ge", CA.ARM_CC_LT: "lt",
       CA.ARM_CC_GT: "gt", CA.ARM_CC_LE: "le"}


def mnemonic(insn) -> str:
    """The mnemonic without its width (``.w``) or condition (``beq`` -> ``b``, inside IT too)."""
    m = insn.mnemonic.split(".")[0]
    suffix = _CC.get(insn.cc)
    if suffix and len(m) > 2 and m.endswith(suffix) and not m.startswith("it"):
        m = m[:-2]
    return m


def _conditional(insn, m: str) -> bool:
    return insn.cc not in (CA.ARM_CC_AL, CA.ARM_CC_INVALID) or m in ("cbz", "cbnz")


def _is_single_load(m: str) -> bool:
    """LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX*, and STREX (3.3.2: "treated more like an LDR")."""
    return (m.startswith("ldr") and m != "ldrd") or m.startswith("strex")


def _is_single_store(m: str) -> bool:
    return m.startswith("str") and m != "strd" and not m.startswith("strex")


def _mem(insn):
    return next((op.mem for op in insn.operands if op.type == CA.ARM_OP_MEM), None)


def address_registers(insn) -> frozenset:
    mem = _mem(insn)
    if mem is None:
        return frozenset()
    return frozenset(r for r in (mem.base, mem.index) if r not in (0, CA.ARM_REG_PC))


def writes_pc(insn, m: str) -> bool:
    if m in IMMEDIATE_TARGET + REGISTER_TARGET + TABLE_BRANCH:
        return True
    if m in ("svc", "bkpt", "udf"):
        return False
    return CA.ARM_REG_PC in insn.regs_access()[1]


def is_32bit_at(read, addr: int) -> bool:
    """Whether the Thumb instruction at ``addr`` is 32 bits wide (ARMv7-M A5.1: first halfword
    0b11101, 0b11110 or 0b11111 in bits 15:11); False when ``addr`` cannot be read."""
    try:
        half = int.from_bytes(read(addr, 2), "little")
    except Exception:           # an unmapped target: the branch faults, no refill to count
        return False
    return half >> 11 in (0b11101, 0b11110, 0b11111)


def unaligned_32bit(read, target: int) -> int:
    """U of the refill: 1 for a 32-bit target that is not word-aligned (table 3-1 note)."""
    return int(read is not None and target % 4 == 2 and is_32bit_at(read, target))


class M4Timing:
    """The per-instruction rules of the module docstring; ``read`` reads code (branch targets)."""

    MULTIPLY: dict = {}         # Cortex-M4: every multiply is 1 cycle (table 3-1)

    def __init__(self, read=None):
        self.read = read

    def timing(self, insn, prev: Prev) -> Timing:
        m = mnemonic(insn)
        base = self.base_cycles(insn, m, prev)
        if not writes_pc(insn, m):
            return Timing(base)
        return Timing(base, self.refill(insn, m), dynamic=_conditional(insn, m))

    def refill(self, insn, m: str) -> int:
        """P of a taken branch (table 3-1 and its note; section 3.3.2 for loads of PC)."""
        if m in IMMEDIATE_TARGET:
            target = insn.operands[-1].imm & 0xFFFFFFFF
            return P_IMMEDIATE + unaligned_32bit(self.read, target)
        if m in TABLE_BRANCH or m.startswith(("ldr", "ldm", "pop")):
            return P_LOADED
        return P_REGISTER

    def base_cycles(self, insn, m: str, prev: Prev) -> int:
        if m.startswith("v"):
            return vfp_cycles(insn, m)
        if m in self.MULTIPLY:
            return self.MULTIPLY[m]
        if m.startswith(("ldm", "stm", "push", "pop")):
            return 1 + register_list_length(insn)                  # 1 + N, not pipelined
        if m in ("ldrd", "strd"):
            return 3 + self._address_stall(insn, prev)
        if m in TABLE_BRANCH:
            return 3                                               # 2 (load) + 1 (add), 3.3.2
        if _is_single_load(m) and CA.ARM_REG_PC in insn.regs_access()[1]:
            return 2 + self._address_stall(insn, prev)             # LDR PC: blocking, 3.3.2
        if _is_single_load(m) or _is_single_store(m):
            return self._single(insn, m, prev) + self._address_stall(insn, prev)
        if m in ("udiv", "sdiv"):
            return 2                                               # divide.py adds the rest
        if m in ("mrs", "msr", "isb", "dsb", "dmb"):
            return 2
        return 1

    @staticmethod
    def _single(insn, m: str, prev: Prev) -> int:
        """A single load or store (TRM 3.3.2)."""
        mem = _mem(insn)
        if _is_single_store(m) and mem is not None and mem.index == 0:
            return 1                                               # STR Rx,[Ry,#imm]: always 1
        if prev.kind == "load" and not prev.writes & address_registers(insn):
            return 1                                               # pipelined behind an LDR
        return 2

    @staticmethod
    def _address_stall(insn, prev: Prev) -> int:
        """+1 when a data-processing result is this access's address (3.3.2: no forwarding)."""
        return int(prev.kind == "dp" and bool(prev.writes & address_registers(insn)))

    @staticmethod
    def after(insn) -> Prev:
        """What ``insn`` leaves for the next instruction's pipelining."""
        m = mnemonic(insn)
        written = frozenset(r for r in insn.regs_access()[1] if _core(r))
        if _is_single_load(m):
            return Prev("load", written)
        if _is_single_store(m):
            return Prev("store")
        if m.startswith(("ld", "st", "push", "pop", "v", "it")) or writes_pc(insn, m):
            return NONE                  # not a data-processing result (BIC, BFI... are)
        return Prev("dp", written) if written else NONE


def _core(reg: int) -> bool:
    return CA.ARM_REG_R0 <= reg <= CA.ARM_REG_R12 or reg in (CA.ARM_REG_SP, CA.ARM_REG_LR)


def register_list_length(insn) -> int:
    """N of LDM/STM/PUSH/POP: the registers in the list (LDM/STM: all but the base)."""
    regs = [op for op in insn.operands if op.type == CA.ARM_OP_REG]
    if insn.mnemonic.startswith(("push", "pop")):
        return len(regs)
    return max(1, len(regs) - 1)


def fp_words(insn, regs) -> int:
    """Single-precision registers in an FP register list: a D register is two (table 7-1's N)."""
    return sum(2 if insn.reg_name(op.reg).startswith("d") else 1 for op in regs)


def vfp_cycles(insn, m: str) -> int:
    """FPv4-SP instruction cycles, Cortex-M4 TRM section 7.2.3 table 7-1."""
    if m in ("vdiv", "vsqrt"):
        return 14
    if m in ("vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"):
        return 3
    regs = [op for op in insn.operands if op.type == CA.ARM_OP_REG]
    if m.startswith(("vpush", "vpop")):
        return 1 + fp_words(insn, regs)
    if m.startswith(("vldm", "vstm")):
        return 1 + fp_words(insn, regs[1:])
    if m in ("vldr", "vstr"):
        return 1 + fp_words(insn, regs[:1])                       # .32: 2, .64: 3
    if m == "vmov" and sum(_core(op.reg) for op in regs) == 2:
        return 2                                                   # two core registers
    return 1


class M3Timing(M4Timing):
    """Cortex-M3 TRM r2p1 table 18-1: the M4 rules with the M3's multiplier (worst cases of
    the early-terminating long multiplies)."""

    MULTIPLY = {"mla": 2, "mls": 2, "umull": 5, "smull": 5, "umlal": 7, "smlal": 7}
