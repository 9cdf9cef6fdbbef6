"""Book E (e200-mcu) images of the shared behaviour table (tests/behaviours.py), one function per row.

INTC software interrupts stand in for NVIC IRQs (``ppcfw.image`` dispatches them through an
IVOR4 handler that re-enables MSR[EE] around the ISR, so higher INTC priorities nest), the PIT
for SysTick, ``sc`` for SVC, IVOR2/IVOR6 for HardFault, simctl for semihosting exit.
"""
from __future__ import annotations

import struct

from elf32 import EM_PPC, make_elf
from emulator.machine.machine import Machine
from ppcfw import PIT, exit_with, image, load, machine, set_priority, software_irq
from tools.asm import assemble_ppc

UART_BDRL = 0xFFE40038
PF_PPC_VLE = 0x10000000
# IVOR2/IVOR6 handler resuming after the faulting instruction: SRR0 += 4 (e200z3 RM §4.6.3, §4.6.7).
SKIP_FAULTING = "fault_handler:\n  mfspr 20, 26\n  addi 20, 20, 4\n  mtspr 26, 20\n  rfi\n"
FAULT_IVORS = {2: 0x500, 6: 0x500}


def _run(tmp_path, thread, isrs=None, code="", handlers="", ivors=None):
    return machine(tmp_path, image(thread, isrs, code, handlers, ivors))


def _raise_first(priorities: dict[int, int]) -> str:
    """Set the INTC priorities, enable MSR[EE] and raise software interrupt 0."""
    setup = "".join(set_priority(s, p) for s, p in priorities.items())
    return setup + "  wrteei 1\n" + software_irq(0) + "  nop\n  wrteei 0\n"


def _isr(label: str, source: int, raises: tuple[int, ...] = ()) -> str:
    """An ISR raising the given software interrupts, then clearing its own (SSCIR CLR)."""
    return f"{label}:\n" + "".join(software_irq(s) for s in raises) + software_irq(source, 1) + "  blr\n"


def nesting(tmp_path):
    return _run(tmp_path, _raise_first({0: 2, 1: 5}), {0: "low", 1: "high"},
                _isr("low", 0, (1,)) + _isr("high", 1))


def same_priority(tmp_path):
    return _run(tmp_path, _raise_first({0: 3, 1: 3}), {0: "first", 1: "second"},
                _isr("first", 0, (1,)) + _isr("second", 1))


def priority_restore(tmp_path):
    """low 2 raises high 6; high raises mid 4 and lowest 1 (INTC priorities, CPR LIFO)."""
    isrs = {0: "low", 1: "high", 2: "mid", 3: "lowest"}
    code = _isr("low", 0, (1,)) + _isr("high", 1, (2, 3)) + _isr("mid", 2) + _isr("lowest", 3)
    return _run(tmp_path, _raise_first({0: 2, 1: 6, 2: 4, 3: 1}), isrs, code)


def masked_held(tmp_path):
    thread = (set_priority(1, 4) + software_irq(1) + "  li 6, 50\n  mtctr 6\nhold:\n  bdnz hold\n"
              "  wrteei 1\nafter_enable:\n  nop\n")
    return _run(tmp_path, thread, {1: "held"}, _isr("held", 1))


def periodic_timer(tmp_path):
    """PIT channel 0 LDVAL 4999 (period 5000 cycles) -> INTC source 59; exits on the 4th tick."""
    thread = (set_priority(59, 3) + load(4, PIT) + "  li 3, 0\n  stw 3, 0(4)\n  li 3, 4999\n"
              "  stw 3, 0x100(4)\n  li 3, 3\n  stw 3, 0x108(4)\n  li 22, 0\n  wrteei 1\n"
              "idle:\n  b idle\n")
    tick = ("tick:\n  addi 22, 22, 1\n" + load(5, PIT + 0x10C) + "  li 6, 1\n  stw 6, 0(5)\n"
            "  cmpwi 22, 4\n  beq tick_done\n  blr\ntick_done:\n  li 3, 0\n" + exit_with())
    return _run(tmp_path, thread, {59: "tick"}, tick)


def syscall(tmp_path):
    thread = "  li 3, 41\n  sc\nafter_call:\n" + exit_with(3)
    return _run(tmp_path, thread, handlers="syscall:\n  addi 3, 3, 1\n  rfi\n", ivors={8: 0x500})


FAULTING = {"unmapped_read": load(4, 0x60000000) + "bad:\n  lwz 5, 0(4)\n",
            "unmapped_write": load(4, 0x60000000) + "bad:\n  stw 5, 0(4)\n",
            "undefined_instruction": "bad:\n  .long 0\n"}


def _handled(kind):
    def build(tmp_path):
        return _run(tmp_path, FAULTING[kind], handlers=SKIP_FAULTING, ivors=FAULT_IVORS)
    return build


handled_unmapped_read = _handled("unmapped_read")
handled_unmapped_write = _handled("unmapped_write")
handled_undefined_instruction = _handled("undefined_instruction")


def unhandled_fault(tmp_path):
    return _run(tmp_path, FAULTING["unmapped_read"])


def fault_in_fault_handler(tmp_path):
    handler = "fault_handler:\n" + load(7, 0x60000010) + "nested_bad:\n  lwz 3, 0(7)\n  rfi\n"
    return _run(tmp_path, FAULTING["unmapped_read"], handlers=handler, ivors=FAULT_IVORS)


def deadlock(tmp_path):
    return _run(tmp_path, "idle:\n  b idle\n")            # MSR[EE] = 0, no timer running


def runaway(tmp_path):
    return _run(tmp_path, "spin:\n  addi 3, 3, 1\n  b spin\n")


def exit_code(tmp_path):
    chars = "".join(f"  li 3, {ord(c)}\n  stb 3, 0(4)\n" for c in "hello\n")
    return _run(tmp_path, load(4, UART_BDRL) + chars + "  li 3, 7\n" + exit_with(3))


def _load_elf(tmp_path, blob):
    path = tmp_path / "image.elf"
    path.write_bytes(blob)
    return Machine.load(path)


def outside_memory(tmp_path):
    code = assemble_ppc("nop\nb .", 0)
    return _load_elf(tmp_path, make_elf([(0x90000000, code)], EM_PPC, 0x90000000, big_endian=True))


def unsupported_variant(tmp_path):
    """A segment flagged PF_PPC_VLE: VLE code, which neither Unicorn nor Capstone decodes."""
    blob = bytearray(make_elf([(0, assemble_ppc("nop\nb .", 0))], EM_PPC, 0, big_endian=True))
    struct.pack_into(">I", blob, 52 + 24, PF_PPC_VLE | 5)     # p_flags of the first segment
    return _load_elf(tmp_path, bytes(blob))
