"""Cycle counts of the pool allocator checked against a hand count of its instructions.

Each table below was written by hand: the instructions one call executes on one path through
allocators_asm/{arm,ppc}/pool.s, in order, each with its cost under the documented cycle model,
and the sum written out as a literal.  Cortex-M4 (emulator/arch/arm/timing.py, TRM r0p1): ALU/CPS
1, MRS/MSR 2 (table 3-1); LDR 2, or 1 behind an LDR, never behind a STR; STR with an immediate
offset 1 (section 3.3.2); not-taken branch 1; taken branch 1+P with P = 1 for an immediate target
(CBZ) plus 1 if the target is an unaligned 32-bit instruction, P = 2 for a register target (BX
LR) (table 3-1 and its branch note).  e200z6: integer and load/store 1, wrteei/wrtee 2, not-taken
branch 1, taken branch 1+P with P = 1.  The sandbox measures the same call on
firmware/{arm,ppc}/demo.elf through ``Machine.call`` with a call probe: the cycle of its
``CallReturned`` (the caller's next instruction may start) minus that of its ``CallEntered``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGION = {"arm": 0x20080000, "ppc": 0x40080000}          # free SRAM above the demo images' .bss
POOL, BUF, BLOCK = 0x0, 0x100, 32

# --- Cortex-M4 (allocators_asm/arm/pool.s) ------------------------------------------------------

ARM_ALLOC_TAKES_A_BLOCK = [                              # free list not empty
    ("mrs r3, primask", 2),                              # MRS 2
    ("cpsid i", 1),                                      # CPS 1
    ("ldr r1, [r0]", 2),                                 # after cpsid: not pipelined
    ("cbz r1, .Lpa_out", 1),                             # not taken
    ("ldr r2, [r1]", 2),                                 # after a branch: not pipelined
    ("str r2, [r0]", 1),                                 # STR [Rn, #imm]: always 1 (3.3.2)
    ("ldr r2, [r0, #12]", 2),                            # nothing pipelines after a STR
    ("subs r2, r2, #1", 1),
    ("str r2, [r0, #12]", 1),                            # STR [Rn, #imm]: 1 (r0 not just written)
    ("msr primask, r3", 2),                              # MSR 2
    ("mov r0, r1", 1),
    ("bx lr", 3),                                        # taken, register target: 1 + P, P = 2
]
ARM_ALLOC_TAKES_A_BLOCK_CYCLES = 2 + 1 + 2 + 1 + 2 + 1 + 2 + 1 + 1 + 2 + 1 + 3   # = 19

ARM_ALLOC_FINDS_THE_POOL_EMPTY = [
    ("mrs r3, primask", 2),
    ("cpsid i", 1),
    ("ldr r1, [r0]", 2),
    ("cbz r1, .Lpa_out", 2),                             # taken, immediate: 1 + P, P = 1 (the
    ("msr primask, r3", 2),                              # 32-bit MSR target is word-aligned)
    ("mov r0, r1", 1),
    ("bx lr", 3),
]
ARM_ALLOC_FINDS_THE_POOL_EMPTY_CYCLES = 2 + 1 + 2 + 2 + 2 + 1 + 3                 # = 13

ARM_FREE_RETURNS_A_BLOCK = [
    ("cbz r1, .Lpf_out", 1),                             # not taken
    ("mrs r3, primask", 2),
    ("cpsid i", 1),
    ("ldr r2, [r0]", 2),
    ("str r2, [r1]", 1),                                 # STR [Rn, #imm]: 1
    ("str r1, [r0]", 1),                                 # STR [Rn, #imm]: 1
    ("ldr r2, [r0, #12]", 2),                            # after a STR: not pipelined
    ("adds r2, r2, #1", 1),
    ("str r2, [r0, #12]", 1),
    ("msr primask, r3", 2),
    ("bx lr", 3),
]
ARM_FREE_RETURNS_A_BLOCK_CYCLES = 1 + 2 + 1 + 2 + 1 + 1 + 2 + 1 + 1 + 2 + 3       # = 17

ARM_FREE_IGNORES_NULL = [
    ("cbz r1, .Lpf_out", 2),                             # taken, immediate: 1 + P, P = 1
    ("bx lr", 3),
]
ARM_FREE_IGNORES_NULL_CYCLES = 2 + 3                                              # = 5

# --- e200z6 (allocators_asm/ppc/pool.s) ---------------------------------------------------------

PPC_ALLOC_TAKES_A_BLOCK = [
    ("mfmsr 9", 1),
    ("wrteei 0", 2),                                     # execution-serialising
    ("lwz 4, 0(3)", 1),
    ("cmpwi 4, 0", 1),
    ("beq .Lpa_out", 1),                                 # not taken
    ("lwz 5, 0(4)", 1),
    ("stw 5, 0(3)", 1),
    ("lwz 5, 12(3)", 1),
    ("addi 5, 5, -1", 1),
    ("stw 5, 12(3)", 1),
    ("wrtee 9", 2),
    ("mr 3, 4", 1),
    ("blr", 2),                                          # taken: 1 + P
]
PPC_ALLOC_TAKES_A_BLOCK_CYCLES = 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 1 + 2   # = 16

PPC_ALLOC_FINDS_THE_POOL_EMPTY = [
    ("mfmsr 9", 1),
    ("wrteei 0", 2),
    ("lwz 4, 0(3)", 1),
    ("cmpwi 4, 0", 1),
    ("beq .Lpa_out", 2),                                 # taken: 1 + P
    ("wrtee 9", 2),
    ("mr 3, 4", 1),
    ("blr", 2),
]
PPC_ALLOC_FINDS_THE_POOL_EMPTY_CYCLES = 1 + 2 + 1 + 1 + 2 + 2 + 1 + 2             # = 12

PPC_FREE_RETURNS_A_BLOCK = [
    ("cmpwi 4, 0", 1),
    ("beqlr", 1),                                        # not taken
    ("mfmsr 9", 1),
    ("wrteei 0", 2),
    ("lwz 5, 0(3)", 1),
    ("stw 5, 0(4)", 1),
    ("stw 4, 0(3)", 1),
    ("lwz 5, 12(3)", 1),
    ("addi 5, 5, 1", 1),
    ("stw 5, 12(3)", 1),
    ("wrtee 9", 2),
    ("blr", 2),
]
PPC_FREE_RETURNS_A_BLOCK_CYCLES = 1 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 2   # = 15

PPC_FREE_IGNORES_NULL = [
    ("cmpwi 4, 0", 1),
    ("beqlr", 2),                                        # taken: 1 + P, a conditional return
]
PPC_FREE_IGNORES_NULL_CYCLES = 1 + 2                                              # = 3

# (arch, function, path name, table, hand-summed cycles, block pointer or None for NULL/empty)
CASES = [
    ("arm", "pool_alloc", "takes a block", ARM_ALLOC_TAKES_A_BLOCK, ARM_ALLOC_TAKES_A_BLOCK_CYCLES),
    ("arm", "pool_alloc", "finds the pool empty", ARM_ALLOC_FINDS_THE_POOL_EMPTY,
     ARM_ALLOC_FINDS_THE_POOL_EMPTY_CYCLES),
    ("arm", "pool_free", "returns a block", ARM_FREE_RETURNS_A_BLOCK, ARM_FREE_RETURNS_A_BLOCK_CYCLES),
    ("arm", "pool_free", "ignores NULL", ARM_FREE_IGNORES_NULL, ARM_FREE_IGNORES_NULL_CYCLES),
    ("ppc", "pool_alloc", "takes a block", PPC_ALLOC_TAKES_A_BLOCK, PPC_ALLOC_TAKES_A_BLOCK_CYCLES),
    ("ppc", "pool_alloc", "finds the pool empty", PPC_ALLOC_FINDS_THE_POOL_EMPTY,
     PPC_ALLOC_FINDS_THE_POOL_EMPTY_CYCLES),
    ("ppc", "pool_free", "returns a block", PPC_FREE_RETURNS_A_BLOCK, PPC_FREE_RETURNS_A_BLOCK_CYCLES),
    ("ppc", "pool_free", "ignores NULL", PPC_FREE_IGNORES_NULL, PPC_FREE_IGNORES_NULL_CYCLES),
]
IDS = [f"{arch}-{function}-{path.replace(' ', '-')}" for arch, function, path, _, _ in CASES]


def source_instructions(arch: str, function: str) -> list[str]:
    """The instructions of ``function`` in pool.s, comments and labels stripped, spaces collapsed."""
    text = (ROOT / "allocators_asm" / arch / "pool.s").read_text()
    body = text.split(f"\n{function}:\n", 1)[1].split("\n    .global", 1)[0]
    comment = "@" if arch == "arm" else "#"
    out = []
    for line in body.splitlines():
        line = line.split(comment, 1)[0].strip()
        if line and not line.endswith(":") and not line.startswith("."):
            out.append(" ".join(line.split()))
    return out


def is_in_order_within(path: list[str], code: list[str]) -> bool:
    rest = iter(code)
    return all(any(insn == candidate for candidate in rest) for insn in path)


def measure(arch: str, function: str, path: str) -> int:
    """Exclusive cycles of one call of ``function`` on ``path``, measured by the sandbox."""
    from emulator.events import CallEntered, CallReturned
    from emulator.machine.machine import Machine
    from emulator.probes.calls import CallProbe
    machine = Machine.load(ROOT / "firmware" / arch / "demo.elf")
    CallProbe(machine, [function])
    pool = REGION[arch] + POOL
    machine.call("pool_init", pool, REGION[arch] + BUF, BLOCK, 0 if "empty" in path else 2)
    if function == "pool_free":
        block = 0 if "NULL" in path else machine.call("pool_alloc", pool)
        args = (pool, block)
    else:
        args = (pool,)
    start = len(machine.events)
    machine.call(function, *args, max_cycles=10_000, timeout=5.0)
    calls = [e for e in machine.events[start:] if isinstance(e, (CallEntered, CallReturned))]
    entered, returned = calls
    assert (type(entered), type(returned)) == (CallEntered, CallReturned)
    return returned.cycle - entered.cycle


@pytest.mark.parametrize("arch,function,path,table,cycles", CASES, ids=IDS)
def test_the_hand_table_follows_the_allocator_source_and_sums_to_its_literal(arch, function, path,
                                                                             table, cycles):
    assert is_in_order_within([insn for insn, _ in table], source_instructions(arch, function))
    assert sum(cost for _, cost in table) == cycles


@pytest.mark.parametrize("arch,function,path,table,cycles", CASES, ids=IDS)
def test_the_sandbox_charges_exactly_the_hand_counted_cycles(arch, function, path, table, cycles):
    assert measure(arch, function, path) == cycles


def test_the_alloc_cycles_report_of_the_demo_shows_the_hand_count_in_every_context():
    from emulator.session import analyse
    analysis = analyse(ROOT / "firmware" / "arm" / "demo.elf")
    stats = {(s.function, s.context): s for s in analysis.report.allocations}
    pool = [s for (function, _), s in stats.items() if function == "pool_alloc"]
    assert {s.context for s in pool} >= {"thread", "systick_handler"}
    assert {(s.min, s.max) for s in pool} == {(ARM_ALLOC_TAKES_A_BLOCK_CYCLES,) * 2}
    frees = [s for (function, _), s in stats.items() if function == "pool_free"]
    assert frees and {(s.min, s.max) for s in frees} == {(ARM_FREE_RETURNS_A_BLOCK_CYCLES,) * 2}
