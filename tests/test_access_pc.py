"""Memory hooks see the exact instruction that accessed memory, also after hooks changed PC.

Unicorn 2.1.4 stops syncing PC before memory hooks once a hook has written PC (every exception
return does); the machine locates the access in the running block instead (accesspc.py).
"""
from __future__ import annotations

import pytest

from armfw import FINISH, enable_irq, machine
from emulator.events import InterruptEntered

PEND_IN_A_LONG_BLOCK = """
reset:
""" + enable_irq(0, 0x40) + """
  movs r4, #0
again:
  ldr r1, =0xE000E200       @ NVIC_ISPR0
  movs r0, #1
  adds r2, r4, #7
  adds r3, r2, r2
  str r3, [sp, #-8]
  str r0, [r1]              @ pends IRQ0: it preempts the very next instruction
after_store:
  adds r4, #1
  cmp r4, #5
  blt again
  b finish
irq0:
  bx lr
"""


@pytest.mark.parametrize("kind", ["native", "python"])
def test_an_interrupt_pended_by_a_store_is_taken_right_after_it_every_time(kind, tmp_path, monkeypatch):
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    source = PEND_IN_A_LONG_BLOCK + FINISH
    m = machine(tmp_path, source, {16: "irq0"})
    result = m.run(max_cycles=1_000_000, timeout=20)
    assert result.reason == "exit"
    after = m.symbol("after_store")
    preempted = [e.preempted_pc for e in result.events if isinstance(e, InterruptEntered)]
    assert preempted == [after] * 5


def _locator(arch: str, code: bytes, regs: dict):
    from emulator.arch import access_decoder, spec_for
    from emulator.engine.accesspc import AccessLocator
    from emulator.engine.cyclemodel import model_for
    spec = spec_for(arch)
    model = model_for(spec.cycle_models[0])
    block = model.block(code, 0x1000)
    mem = {0x1000 + i: b for i, b in enumerate(code)}
    read = lambda addr, size: bytes(mem[addr + i] for i in range(size))
    return AccessLocator(spec, access_decoder(spec), read, regs.__getitem__), block


@pytest.mark.parametrize("arch, code, regs, accesses", [
    # str r3, [sp, #-8]; str r0, [r1]; push {r4, lr}; str r2, [r1, #4]
    ("cortex-m", bytes.fromhex("4df8083c" "0860" "10b5" "4a60"),
     {"sp": 0x2000_1000, "r1": 0x4000_0000},
     [(0x2000_0FF8, True, 0x1000), (0x4000_0000, True, 0x1004), (0x2000_0FFC, True, 0x1006),
      (0x4000_0004, True, 0x1008)]),
    # ldr r0, [pc, #4]; ldr.w r3, [r1, r2, lsl #2]; ldr r4, [r1]; ldr.w r4, [pc, #-8]: literal
    # loads at Align(PC, 4) + imm and a shifted index (A7.7.43, A7.7.45), located exactly
    ("cortex-m", bytes.fromhex("0148" "51f82230" "0c68" "5ff80840"),
     {"r1": 0x4000_0000, "r2": 3},
     [(0x1008, False, 0x1000), (0x4000_000C, False, 0x1002), (0x4000_0000, False, 0x1006),
      (0x1004, False, 0x1008)]),
    # stwu r1,-16(r1); stw r4,8(r1); stwx r0,r1,r3; lwz r5,0(r6)
    ("ppc-booke", bytes.fromhex("9421fff0" "90810008" "7c01192e" "80a60000"),
     {"r1": 0x4000_1000, "r3": 0x20, "r6": 0xC3FF_0100},
     [(0x4000_0FF0, True, 0x1000), (0x4000_1008, True, 0x1004), (0x4000_1020, True, 0x1008),
      (0xC3FF_0100, False, 0x100C)]),
])
def test_the_locator_names_each_access_of_a_block_in_order(arch, code, regs, accesses):
    locator, block = _locator(arch, code, regs)
    assert [locator.locate(block, 0, addr, write) for addr, write, _ in accesses] == \
        [pc for *_, pc in accesses]


def test_an_access_no_instruction_of_the_block_can_make_is_not_guessed():
    locator, block = _locator("cortex-m", bytes.fromhex("0860" "4a60"), {"r1": 0x4000_0000})
    assert locator.locate(block, 0, 0x5000_0000, True) is None
