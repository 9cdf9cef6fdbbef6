"""Hand-written detector events for the detector tests: calls, returns and SysTick entries/exits."""
from __future__ import annotations

from emulator.events import THREAD, CallEntered, CallReturned, Context, InterruptEntered, InterruptExited
from emulator.rules.model import load_rules

RULES = load_rules()
SYSTICK = Context(handler="SysTick_Handler", irq=15, depth=1, chain=("SysTick_Handler",))
POOL = 0x20000100


def call(function, cycle, call_id, context=THREAD, args=(), site="main+0x10"):
    return CallEntered(cycle=cycle, call_id=call_id, function=function, args=args,
                       return_address=0x101, call_site=site, sp=0x20001000, context=context)


def ret(entered, cycle, value=0):
    return CallReturned(cycle=cycle, call_id=entered.call_id, function=entered.function,
                        value=value, context=entered.context)


def enter(cycle, location="main+0x20", tail=False, entry_cycles=0):
    return InterruptEntered(cycle=cycle, number=15, name="SysTick", handler="SysTick_Handler",
                            context=SYSTICK, sp=0x2000F000, preempted_pc=0x200, tail_chained=tail,
                            preempted_location=location, entry_cycles=entry_cycles)


def leave(cycle):
    return InterruptExited(cycle=cycle, number=15, handler="SysTick_Handler", context=THREAD,
                           return_pc=0x200)
