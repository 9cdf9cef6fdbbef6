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
