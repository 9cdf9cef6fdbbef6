"""Where the Cortex-M4 cycle model v2 moves an image's cycles against v1, rule by rule.

Runs the image once under the current model, counting how often each translated block ran and
how often its final conditional branch was taken, then prices the same execution with the v1
table (reproduced below: flat P = 2, any LDR/STR pipelined behind any other, UDIV/SDIV 12) and
attributes every difference to the rule of the instruction it comes from.  The cycles of the run
that are not instructions (exception entry/exit, WFI idle up to the next timer event) are printed
apart: they follow the timers, not these rules, so a run that idles between interrupts keeps
about the same total while its busy cycles shrink or grow.

    python tools/cycleshift.py IMAGE [--board NAME] [--rules FILE]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capstone import arm_const as CA  # noqa: E402

from emulator.arch.arm import timing as T  # noqa: E402
from emulator.machine.machine import Machine  # noqa: E402


def v1_writes_pc(insn) -> bool:
    m = insn.mnemonic.split(".")[0]
    if m in ("b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"):
        return True
    return m not in ("svc", "bkpt", "udf") and CA.ARM_REG_PC in insn.regs_access()[1]


def v1_cycles(insn, prev: str) -> int:
    """The v1 table's static cost (without the branch penalty)."""
    m = insn.mnemonic.split(".")[0]
    regs = [op for op in insn.operands if op.type == CA.ARM_OP_REG]
    if m.startswith("v"):
        if m.startswith(("vdiv", "vsqrt")):
            return 14
        if m.startswith(("vldm", "vstm", "vpush", "vpop")):
            return 1 + (len(regs) if m.startswith(("vpush", "vpop")) else max(1, len(regs) - 1))
        return 2 if m.startswith(("vldr", "vstr")) else 1
    if m.startswith(("ldm", "stm", "push", "pop")):
        return 1 + (len(regs) if m.startswith(("push", "pop")) else max(1, len(regs) - 1))
    if m in ("ldrd", "strd"):
        return 3
    if m.startswith(("ldr", "str")) and not m.startswith(("ldrex", "strex")):
        p = prev.split(".")[0]
        single = p.startswith(("ldr", "str")) and p not in ("ldrd", "strd") and "ex" not in p
        return 1 if single else 2
    return {"tbb": 2, "tbh": 2, "udiv": 12, "sdiv": 12, "mrs": 2, "msr": 2, "isb": 2,
            "dsb": 2, "dmb": 2}.get(m, 1)


def rule_of(insn) -> str:
    m = T.mnemonic(insn)
    if T.writes_pc(insn, m) and not v1_writes_pc(insn):
        return "B<c>.W: v1 did not see a 32-bit conditional branch (refill never charged)"
    if T.writes_pc(insn, m):
        if m in T.IMMEDIATE_TARGET:
            return "branch refill: immediate target, P = 1 (+1 unaligned 32-bit target)"
        if m in T.TABLE_BRANCH or m.startswith(("ldr", "ldm", "pop")):
            return "branch refill: PC loaded from memory, P = 3 (3.3.2)"
        return "branch refill: register target, P = 2"
    if m != insn.mnemonic.split(".")[0]:
        return "IT-conditional instruction costed by its rule (v1 missed e.g. 'mrseq')"
    if m in ("udiv", "sdiv"):
        return "UDIV/SDIV by operands (2-12)"
    if m.startswith("v"):
        return "FPv4-SP table 7-1"
    if m.startswith(("ldm", "stm", "push", "pop")) or m in ("ldrd", "strd"):
        return "LDM/STM/LDRD/STRD: not pipelined"
    if m.startswith("str"):
        return "load/store 3.3.2: STR (imm 1; nothing pipelines after a STR)"
    if m.startswith("ldr"):
        return "load/store 3.3.2: LDR pipelining / address dependency"
    return "other"


class Counts:
    """Block executions and taken final branches, from a Python block hook beside the clock."""

    def __init__(self, machine):
        self.m, self.runs, self.taken, self.last = machine, Counter(), Counter(), None
        self.cuts = Counter()            # (block, first instruction not run) -> times
        self.division_extra = 0
        machine.cpu.on_block(self.on_block)
        cut = machine.position.end_block_after

        def counted_cut(pc: int) -> None:
            block = machine.clock.block
            if block is not None and pc in block.before and pc + block.sizes[pc] in block.before:
                self.cuts[((block.addr, block.fallthrough - block.addr), pc + block.sizes[pc])] += 1
                self.last = None         # the rest runs as a block of its own
            cut(pc)
        machine.position.end_block_after = counted_cut
        stall = machine.host.stall

        def counted(cycles: int) -> None:
            self.division_extra += cycles
            stall(cycles)
        machine.host.stall = counted

    def on_block(self, addr: int, size: int) -> None:
        if self.m.clock.stopped or addr == self.m.clock.until:
            return                       # stopped before it ran: the clock charged nothing
        if self.last is not None:
            cost = self.m.clock.costs.get(self.last)
            if cost is not None and cost.penalty and addr != cost.fallthrough:
                self.taken[self.last] += 1
        self.runs[(addr, size)] += 1
        self.last = (addr, size)


def shift(machine, counts: Counts) -> Counter:
    model, by_rule = machine.model, Counter()
    for (addr, size), n in counts.runs.items():
        cost = model.block(machine.read(addr, size), addr)
        insns = list(model.cs.disasm(machine.read(addr, size), addr))
        prev = ""
        for k, insn in enumerate(insns):
            nxt = insns[k + 1].address if k + 1 < len(insns) else None
            new = (cost.before[nxt] if nxt is not None else cost.total) - cost.before[insn.address]
            old = v1_cycles(insn, prev)
            if v1_writes_pc(insn):
                dynamic = insn.cc not in (CA.ARM_CC_AL, CA.ARM_CC_INVALID) or \
                    T.mnemonic(insn) in ("cbz", "cbnz")
                old += 0 if dynamic and nxt is None else 2
            if nxt is None and cost.penalty:           # the taken refill: v1 charged P = 2
                v1_penalty = 2 if v1_writes_pc(insn) else 0
                by_rule[rule_of(insn)] += counts.taken[(addr, size)] * (cost.penalty - v1_penalty)
            ran = n - sum(c for (key, after), c in counts.cuts.items()
                          if key == (addr, size) and insn.address >= after)
            by_rule[rule_of(insn)] += ran * (new - old)
            prev = insn.mnemonic
    by_rule["UDIV/SDIV by operands (2-12)"] += counts.division_extra
    return by_rule


def busy_cycles(machine, counts: Counts) -> int:
    """Cycles charged for executed instructions: block costs, taken penalties, divisions."""
    costs = machine.clock.costs
    total = sum(n * costs[key].total for key, n in counts.runs.items())
    total += sum(n * costs[key].penalty for key, n in counts.taken.items())
    for (key, after), n in counts.cuts.items():
        total -= n * (costs[key].total - costs[key].before[after])
    return total + counts.division_extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--board")
    args = parser.parse_args(argv)
    machine = Machine.load(args.image, board=args.board, record=False)
    counts = Counts(machine)
    result = machine.run(400_000_000, 600.0)
    by_rule = shift(machine, counts)
    print(f"{args.image}: {result.reason}, {result.cycles:,} cycles, "
          f"{result.instructions:,} instructions under {machine.model.version}")
    busy = busy_cycles(machine, counts)
    print(f"  executed instructions: {busy:,} cycles under v2, {busy - sum(by_rule.values()):,} "
          "under v1 on the same execution:")
    for rule, delta in sorted(by_rule.items(), key=lambda kv: kv[1]):
        if delta:
            print(f"  {delta:+10,}  {rule}")
    print(f"  exception entry/exit and idle: {result.cycles - busy:,} cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
