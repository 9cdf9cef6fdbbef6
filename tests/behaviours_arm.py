"""Cortex-M images of the shared behaviour table (tests/behaviours.py), one function per row."""
from __future__ import annotations

from armfw import EXIT_R0, FINISH, enable_irq, machine, pend_irq
from elf32 import EM_ARM, make_elf
from emulator.machine.machine import Machine
from tools.asm import assemble_thumb

HARDFAULT, SVCALL, SYSTICK, IRQ0 = 3, 11, 15, 16
# HardFault handler resuming after a 16-bit faulting instruction: stacked PC += 2.
SKIP_FAULTING = """
fault_handler:
  ldr r1, [sp, #24]
  adds r1, #2
  str r1, [sp, #24]
  bx lr
"""


def _run(tmp_path, source, handlers=None):
    return machine(tmp_path, source + FINISH + EXIT_R0, handlers or {})


def nesting(tmp_path):
    source = f"reset:\n{enable_irq(0, 0x80)}{enable_irq(1, 0x20)}{pend_irq(0)}  b finish\n" \
             f"low:\n{pend_irq(1)}  bx lr\nhigh:\n  bx lr\n"
    return _run(tmp_path, source, {IRQ0: "low", IRQ0 + 1: "high"})


def same_priority(tmp_path):
    source = f"reset:\n{enable_irq(0, 0x40)}{enable_irq(1, 0x40)}{pend_irq(0)}  b finish\n" \
             f"first:\n{pend_irq(1)}  bx lr\nsecond:\n  bx lr\n"
    return _run(tmp_path, source, {IRQ0: "first", IRQ0 + 1: "second"})


def priority_restore(tmp_path):
    """low 0x80 pends high 0x20; high pends mid 0x40 and lowest 0xC0."""
    source = (f"reset:\n{enable_irq(0, 0x80)}{enable_irq(1, 0x20)}{enable_irq(2, 0x40)}"
              f"{enable_irq(3, 0xC0)}{pend_irq(0)}  b finish\n"
              f"low:\n{pend_irq(1)}  bx lr\nhigh:\n{pend_irq(2)}{pend_irq(3)}  bx lr\n"
              "mid:\n  bx lr\nlowest:\n  bx lr\n")
    return _run(tmp_path, source, {IRQ0: "low", IRQ0 + 1: "high", IRQ0 + 2: "mid", IRQ0 + 3: "lowest"})


def masked_held(tmp_path):
    source = (f"reset:\n  cpsid i\n{enable_irq(3, 0x40)}{pend_irq(3)}  movs r4, #50\n"
              "hold:\n  subs r4, #1\n  bne hold\n  cpsie i\nafter_enable:\n  nop\n  b finish\n"
              "held:\n  bx lr\n")
    return _run(tmp_path, source, {IRQ0 + 3: "held"})


def periodic_timer(tmp_path):
    """SysTick RVR 4999 (period 5000 cycles), CLKSOURCE = core; exits on the 4th tick."""
    source = """
reset:
  ldr r0, =0xE000E010
  ldr r1, =4999
  str r1, [r0, #4]
  movs r1, #0
  str r1, [r0, #8]
  movs r4, #0
  movs r1, #7
  str r1, [r0]
idle:
  wfi
  b idle
tick:
  adds r4, #1
  cmp r4, #4
  beq finish
  bx lr
"""
    return _run(tmp_path, source, {SYSTICK: "tick"})


def syscall(tmp_path):
    source = """
reset:
  movs r0, #41
  svc #0
after_call:
  b exit_r0
syscall:
  ldr r1, [sp]
  adds r1, #1
  str r1, [sp]              @ r0 of the caller, through the exception frame
  bx lr
"""
    return _run(tmp_path, source, {SVCALL: "syscall"})


FAULTING = {"unmapped_read": "  ldr r0, =0x50000000\nbad:\n  ldr r1, [r0]\n",
            "unmapped_write": "  ldr r0, =0x50000000\nbad:\n  str r1, [r0]\n",
            "undefined_instruction": "bad:\n  udf #0\n"}


def _handled(kind):
    def build(tmp_path):
        source = "reset:\n" + FAULTING[kind] + "  b finish\n" + SKIP_FAULTING
        return _run(tmp_path, source, {HARDFAULT: "fault_handler"})
    return build


handled_unmapped_read = _handled("unmapped_read")
handled_unmapped_write = _handled("unmapped_write")
handled_undefined_instruction = _handled("undefined_instruction")


def unhandled_fault(tmp_path):
    return _run(tmp_path, "reset:\n" + FAULTING["unmapped_read"] + "  b finish\n")


def fault_in_fault_handler(tmp_path):
    handler = "fault_handler:\n  ldr r2, =0x50000010\nnested_bad:\n  ldr r3, [r2]\n  bx lr\n"
    source = "reset:\n" + FAULTING["unmapped_read"] + "  b finish\n" + handler
    return _run(tmp_path, source, {HARDFAULT: "fault_handler"})


def deadlock(tmp_path):
    return _run(tmp_path, "reset:\n  cpsid i\n  wfi\n  b finish\n")


def runaway(tmp_path):
    return _run(tmp_path, "reset:\n  adds r0, #1\n  b reset\n")


def exit_code(tmp_path):
    source = """
reset:
  ldr r1, =msg
  movs r0, #4
  bkpt #0xab                @ SYS_WRITE0
  movs r0, #7
  b exit_r0
.align 2
msg: .asciz "hello\\n"
.align 2
"""
    return _run(tmp_path, source)


def _load_elf(tmp_path, blob):
    path = tmp_path / "image.elf"
    path.write_bytes(blob)
    return Machine.load(path)


def outside_memory(tmp_path):
    return _load_elf(tmp_path, make_elf([(0x90000000, assemble_thumb("nop\nnop\nnop\nb .", 0))], EM_ARM))


def unsupported_variant(tmp_path):
    """A big-endian ARM image: Cortex-M on this board is little-endian only."""
    return _load_elf(tmp_path, make_elf([(0, assemble_thumb("nop\nb .", 0))], EM_ARM, big_endian=True))
