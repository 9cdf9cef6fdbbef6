"""Cycle models: per-ISA instruction timing tables, applied per translated block.

The machine's clock *is* this model's count (DESIGN §3).  A block's cost is computed once, when
the block is first seen, from its disassembly; executing it again costs one table lookup.

Cortex-M4 model (``cortex-m4``): the Cortex-M4 TRM r0p1 rules (table 3-1 and its notes, section
3.3.2 load/store timings, table 7-1 FPv4-SP), written out rule by rule with their sections in
emulator/arch/arm/timing.py; UDIV/SDIV are charged by operand values where they run
(emulator/arch/arm/divide.py); a board's memory wait states by emulator/arch/arm/waits.py.
Exception entry 12, exception return 10, tail-chain 6 (TRM 3.3.2 / ARMv7-M interrupt latency).
Whether a conditional branch was taken is known at the next block: the penalty P is charged
when that block does not start at the branch's fall-through address.

Cortex-M3 model (``cortex-m3``): the same rules with the Cortex-M3 TRM r2p1 table 18-1
multiplier: MUL 1, MLA/MLS 2, UMULL/SMULL 5 and UMLAL/SMLAL 7 (the worst cases of 3-5 and 4-7:
the early termination depends on operands), no VFP and no DSP instructions.  Exception entry
12, return 10, tail-chain 6, as the M4 (TRM 5.5.1).

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
Review against the manual (issue 20; unchanged, version v1): the e200z3 RM rev. 2 text agrees on
single-cycle integer ops and multiplies (6.2.1) and on divides taking 6-16 cycles by operand
data, blocking (6.2.1: charged 16 here, the worst case).  It differs on taken branches: 6.1.3
gives 1 cycle for a branch whose target the 8-entry BTB prefetched and 2 for the others, where
this table charges 2 always (no BTB model: a loop's back branch costs 1 more than on silicon
after its first pass).  The table cites the e200z3 manual for an e200z6 core: the e200z6 RM's
own pipeline chapter was not at hand to check its figures (its caches, absent from the z3,
are not modelled either).
"""
from __future__ import annotations

from dataclasses import dataclass

import capstone
from capstone import arm_const as CA

from ..arch.arm import timing as T
from ..arch.arm import waits as W
from ..arch.arm.timing import Timing
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


def is_fp_instruction(mnemonic: str) -> bool:
    """An FPv4-SP instruction (CP10/CP11 space: every ``v*`` mnemonic on an M-profile core),
    which ARMv7-M B1.4.7 ExecuteFPCheck() subjects to CPACR and lazy state preservation."""
    return mnemonic[0] == "v"


def accesses_control(insn) -> bool:
    """MRS/MSR of CONTROL (B5.2.2/B5.2.3), whose FP bits Unicorn keeps differently (fpu.py)."""
    return insn.mnemonic in ("mrs", "msr") and "control" in insn.op_str


def _no_waits(addr: int) -> int:
    return 0


class CortexM4Model:
    """Cortex-M4 TRM r0p1 timing rules applied per block (see emulator/arch/arm/timing.py)."""

    name = "cortex-m4"
    version = "cortex-m4-trm-r0p1-3.3/v2"
    exception_entry = 12
    exception_exit = 10
    tail_chain = 6
    rules = T.M4Timing

    def __init__(self):
        self.cs = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
        self.cs.detail = True
        self.table = self.rules()
        self.waits = _no_waits
        self.timed_divides: frozenset = frozenset()   # divide.py charges these where they run
        self.untimed_divides: set[int] = set()       # divisions charged at their worst case

    def attach(self, read, waits=None) -> None:
        """Give the model the code (to see branch targets) and the board's wait states per
        address (None: zero everywhere)."""
        self.table.read = read
        self.waits = waits or _no_waits

    def notes(self) -> tuple[str, ...]:
        """What this run's timing could not see, for the run report (never silent); the
        always-true approximations are in the docstring of emulator/arch/arm/timing.py."""
        found = []
        if self.waits is not _no_waits:
            found.append(W.NOTE)
        if self.untimed_divides:
            found.append(f"{len(self.untimed_divides)} UDIV/SDIV outside the image's loaded code "
                         "charged at their worst case, 12 cycles")
        return tuple(found)

    def block(self, code: bytes, addr: int) -> BlockCost:
        insns = list(self.cs.disasm(code, addr))
        prev, timings = T.NONE, []
        for insn in insns:
            timings.append(self._timing(insn, prev))
            prev = self.table.after(insn)
        return self._cost(insns, timings, addr, addr + len(code))

    def _timing(self, insn, prev) -> Timing:
        timing = self.table.timing(insn, prev)
        extra = self._waits_of(insn)
        if T.mnemonic(insn) in ("udiv", "sdiv") and insn.address not in self.timed_divides:
            self.untimed_divides.add(insn.address)
            extra += 10                                  # the worst case, 12 (table 3-1)
        if not timing.penalty:
            return Timing(timing.cycles + extra)
        refill = timing.penalty + self._refill_waits(insn)
        return Timing(timing.cycles + extra, refill, timing.dynamic)

    def _waits_of(self, insn) -> int:
        """W of a literal load's data region (waits.py): its address is static."""
        mem = T._mem(insn)
        if mem is None or mem.base != CA.ARM_REG_PC or not insn.mnemonic.startswith(("ldr", "vldr")):
            return 0
        return self.waits(((insn.address + 4) & ~3) + mem.disp)

    def _refill_waits(self, insn) -> int:
        """W of the refill's target fetch (waits.py): the target's region, or the branch's own."""
        m = T.mnemonic(insn)
        if m in T.IMMEDIATE_TARGET:
            target = insn.operands[-1].imm & 0xFFFFFFFF
            return self.waits(target) * W.target_words(T.unaligned_32bit(self.table.read, target))
        return self.waits(insn.address)

    def _cost(self, insns, timings, addr: int, end: int) -> BlockCost:
        stalls = W.fetch_stalls([i.address for i in insns], [i.size for i in insns],
                                [t.cycles for t in timings], self.waits(addr))
        before, sizes, total, fp, sysreg = {}, {}, 0, [], []
        for insn, timing, stall in zip(insns, timings, stalls):
            total += stall
            before[insn.address], sizes[insn.address] = total, insn.size
            total += timing.cycles + (0 if timing.dynamic else timing.penalty)
            if is_fp_instruction(insn.mnemonic):
                fp.append(insn.address)
            elif accesses_control(insn):
                sysreg.append(insn.address)
        last = timings[-1] if timings else Timing(0)
        return BlockCost(addr, len(before), total, before, sizes, last.penalty if last.dynamic else 0,
                         end, fp[0] if fp else None, sysreg[0] if sysreg else None)


class CortexM3Model(CortexM4Model):
    """Cortex-M3 TRM table 18-1: the M4 rules with the M3's multiplier (see module docstring)."""

    name = "cortex-m3"
    version = "cortex-m3-trm-r2p1-18.3/v2"
    rules = T.M3Timing


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
        self.waits = None

    def attach(self, read, waits=None) -> None:
        """This table reads no branch targets; it does not charge wait states (notes say so)."""
        self.waits = waits

    def notes(self) -> tuple[str, ...]:
        """Only the board's wait states, which this table ignores; its approximations are in
        the module docstring."""
        return ("memory wait states: not charged by the e200z6 table (zero-wait-state counts)",
                ) if self.waits else ()

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
