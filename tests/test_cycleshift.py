"""tools/cycleshift.py prices one execution under v1 and v2: both checked against hand counts."""
from __future__ import annotations

import armfw
from emulator.machine.machine import Machine
from tools.cycleshift import Counts, busy_cycles, shift

LOOP = """
reset:
  ldr r1, =0x20000100
  movs r4, #50
loop:
  ldr r0, [r1]
  str r0, [r1, #4]
  ldr r2, [r1, #8]
  adds r2, r2, #1
  str r2, [r1, r4]
  bl func
  subs r4, #1
  bne loop
  udiv r0, r4, r1
""" + armfw.FINISH + """
func:
  push {r4, lr}
  ldr r4, [r1]
  pop {r4, pc}
"""
# one pass of the loop, instruction by instruction:
#        ldr str  ldr adds str(reg) bl  push ldr pop{pc}  subs bne
V1 = (2 + 1 + 1 + 1 + 2 + 3 + 3 + 2 + 5 + 1 + 1)      # = 22: any LDR/STR behind another 1, P = 2
V2 = (2 + 1 + 2 + 1 + 2 + 2 + 3 + 2 + 6 + 1 + 1)      # = 23: nothing after a STR, BL P 1, POP P 3
START, FINISH = 2 + 1, 1 + 2 + 1                      # ldr=, movs / movs, ldr=, bkpt


def test_the_tool_prices_the_same_execution_as_the_v1_table_and_the_v2_rules(tmp_path):
    path = armfw.build(tmp_path, LOOP)
    machine = Machine.load(path, board="cortex-m4", base=0, record=False)
    counts = Counts(machine)
    result = machine.run(1_000_000, 10.0)
    # 50 passes, the back branch taken 49 times (v1 +2 each, v2 +1), UDIV 0 / x: v1 12, v2 2
    assert result.cycles == busy_cycles(machine, counts) == START + 50 * V2 + 49 + 2 + FINISH
    by_rule = shift(machine, counts)
    assert result.cycles - sum(by_rule.values()) == START + 50 * V1 + 49 * 2 + 12 + FINISH
    assert by_rule["UDIV/SDIV by operands (2-12)"] == 2 - 12
