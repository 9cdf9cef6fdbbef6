"""ARMv7-M exception entry and return (ARMv7-M ARM B1.5.6-B1.5.8) over the CpuPort.

Unicorn has no NVIC and does no exception entry: this module pushes and pops the frames,
switches MSP/PSP and handler/thread mode, and chooses what to take, using ``Nvic`` for state.
Interrupts are taken at basic-block boundaries (see ``Machine``); SVC, faults and returns at the
instruction that causes them.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from ..events import Context, InterruptEntered, InterruptExited
from . import nvic as N

EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP = 0xFFFFFFF1, 0xFFFFFFF9, 0xFFFFFFFD
VALID_EXC_RETURN = (EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP)
SPSEL = 2
FRAME_WORDS = 8                    # r0-r3, r12, lr, ReturnAddress, xPSR (no FP context)
XPSR_ALIGN = 1 << 9                # B1.5.7 stack alignment on exception entry
XPSR_T = 1 << 24                   # EPSR.T: Unicorn reads it as 0; the frame must hold 1
FRAME_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr")    # the frame less ReturnAddress
ENTRY_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr", "control", "msp", "psp")
MASK_REGS = ("primask", "basepri", "faultmask")


class BadExcReturn(Exception):
    """An EXC_RETURN value or return state the architecture treats as a UsageFault (INVPC)."""


@dataclass(frozen=True)
class Frame:
    """Where a frame was pushed: the stack pointer after pushing and which stack."""

    sp: int
    stack: str                     # 'msp' or 'psp'


class CortexMExceptions:
    """Exception entry/return for one ARMv7-M core: reads and writes the CPU through ``cpu``.

    ``clock`` is the machine (``.now`` is advanced by the entry/exit/tail-chain costs);
    ``emit`` receives InterruptEntered/InterruptExited events; ``describe`` maps an address to
    'symbol+0xoff'; ``level`` says whether a peripheral still asserts an IRQ line.
    """

    def __init__(self, cpu, nvic: N.Nvic, scs, machine, model):
        self.cpu, self.nvic, self.scs, self.machine, self.model = cpu, nvic, scs, machine, model
        self.max_depth = 0
        self.preempted: list[int] = []        # return address of each active exception's frame
        self._names: dict[int, str] = {}      # handler address -> symbol+0xoff

    # masks and context ---------------------------------------------------------------------
    def masks(self, regs=None) -> N.Masks:
        return N.Masks(*(regs or self.cpu).regs_read(MASK_REGS))

    def context(self, regs=None) -> Context:
        """The current context; mask registers from ``regs`` (recorded earlier) if given."""
        chain = tuple(self.handler_name(n) for n in self.nvic.active)
        masks = self.masks(regs)
        masked = bool(masks.primask & 1 or masks.faultmask & 1 or masks.basepri & self.nvic.priority_mask)
        if not chain:
            return Context(masked=masked)
        return Context(chain[-1], self.nvic.current, len(chain), chain, masked)

    def vector(self, number: int) -> int:
        raw = self.cpu.read(self.scs.vtor + 4 * number, 4)
        return struct.unpack("<I", raw)[0]

    def handler_name(self, number: int) -> str:
        vector = self.vector(number) & ~1
        name = self._names.get(vector)
        if name is None:
            name = self._names[vector] = self.machine.describe(vector)
        return name

    # B1.5.6 exception entry ------------------------------------------------------------------
    def take_pending(self, return_address: int) -> bool:
        """Take the highest pending exception if it preempts; late arrival within the entry."""
        number = self.nvic.next_to_take(self.masks())
        if number is None:
            return False
        masks_before = self.masks()
        frame = self.push_stack(return_address)
        self.machine.now += self.model.exception_entry
        self.machine.fire_timers()                         # late arrival: re-choose after stacking
        number = self.nvic.next_to_take(masks_before) or number
        self.exception_taken(number, frame, return_address, tail_chained=False)
        return True

    def push_stack(self, return_address: int) -> Frame:
        """B1.5.6 PushStack(): 8-word frame on the current stack, 8-byte aligned (STKALIGN)."""
        cpu = self.cpu
        *regs, xpsr, control, msp, psp = cpu.regs_read(ENTRY_REGS)
        thread_psp = not self.nvic.active and control & SPSEL
        stack = "psp" if thread_psp else "msp"
        sp = psp if thread_psp else msp
        new_sp = (sp - 4 * FRAME_WORDS) & ~4 & 0xFFFFFFFF
        xpsr |= XPSR_T | (XPSR_ALIGN if sp & 4 else 0)
        self.machine.write_stack(new_sp, struct.pack("<8I", *regs, return_address, xpsr))
        cpu.regs_write((stack, "lr"), (new_sp, EXC_RETURN_HANDLER if self.nvic.active else
                                       EXC_RETURN_THREAD_PSP if thread_psp else EXC_RETURN_THREAD_MSP))
        return Frame(new_sp, stack)

    def exception_taken(self, number: int, frame: Frame, return_address: int, tail_chained: bool) -> None:
        """B1.5.6 ExceptionTaken(): handler mode on MSP, IPSR = number, PC = vector."""
        cpu = self.cpu
        if frame.stack == "psp" and not tail_chained:
            cpu.set_reg("control", cpu.reg("control") & ~SPSEL)
        cpu.set_reg("ipsr", number)
        self.nvic.activate(number)
        if not tail_chained:
            self.preempted.append(return_address)
        cpu.set_reg("pc", self.vector(number) | 1)      # Unicorn: PC bit 0 sets EPSR.T
        self.max_depth = max(self.max_depth, len(self.nvic.active))
        self.machine.emit(InterruptEntered(self.machine.now, number, N.exception_name(number),
                                           self.handler_name(number), self.context(),
                                           cpu.reg("sp"), return_address, tail_chained,
                                           self.machine.describe(return_address),
                                           0 if tail_chained else self.model.exception_entry))

    # B1.5.8 exception return -----------------------------------------------------------------
    def exception_return(self, exc_return: int) -> None:
        """Handle a branch to EXC_RETURN: tail-chain to a pending exception, or unstack."""
        returning = self.nvic.current
        self._check_exc_return(exc_return, returning)
        handler = self.handler_name(returning)
        self.nvic.deactivate(returning)
        self.machine.core.repend_level(returning)
        nxt = self.nvic.next_to_take(self.masks())
        if nxt is not None:                                 # tail-chaining: no unstack/restack
            self._tail_chain(returning, handler, nxt, exc_return)
            return
        self.machine.now += self.model.exception_exit
        return_pc = self.pop_stack(exc_return)
        self.preempted.pop()
        self.machine.emit(InterruptExited(self.machine.now, returning, handler, self.context(), return_pc))

    def _check_exc_return(self, exc_return: int, returning: int) -> None:
        if returning == 0:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} in thread mode")
        if exc_return not in VALID_EXC_RETURN:
            raise BadExcReturn(f"invalid EXC_RETURN 0x{exc_return:08x}")
        to_thread = exc_return != EXC_RETURN_HANDLER
        if to_thread and len(self.nvic.active) > 1:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} returns to thread mode "
                               f"with {len(self.nvic.active) - 1} other exception(s) active")
        if not to_thread and len(self.nvic.active) == 1:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} returns to handler mode with none active")

    def _tail_chain(self, returning: int, handler: str, nxt: int, exc_return: int) -> None:
        self.machine.now += self.model.tail_chain
        self.machine.emit(InterruptExited(self.machine.now, returning, handler, self.context(),
                                          0, tail_chained_to=nxt))
        self.cpu.set_reg("lr", exc_return)
        stack = "psp" if exc_return == EXC_RETURN_THREAD_PSP else "msp"
        resume = self.preempted[-1] if self.preempted else 0
        self.exception_taken(nxt, Frame(self.cpu.reg(stack), stack), resume, tail_chained=True)

    def pop_stack(self, exc_return: int) -> int:
        """B1.5.8 PopStack(): restore r0-r3, r12, lr, pc, xPSR; undo the alignment pad."""
        cpu = self.cpu
        stack = "psp" if exc_return == EXC_RETURN_THREAD_PSP else "msp"
        sp = cpu.reg(stack)
        *regs, pc, xpsr = struct.unpack("<8I", cpu.read(sp, 4 * FRAME_WORDS))
        cpu.regs_write(FRAME_REGS, (*regs, xpsr & ~XPSR_ALIGN))   # xPSR restores IPSR too
        if stack == "psp":
            cpu.set_reg("control", cpu.reg("control") | SPSEL)
        cpu.set_reg(stack, sp + 4 * FRAME_WORDS + (4 if xpsr & XPSR_ALIGN else 0))
        cpu.set_reg("pc", pc | 1)                           # bit 0 keeps EPSR.T set
        return pc & ~1

    # synchronous exceptions ------------------------------------------------------------------
    def take_synchronous(self, number: int, return_address: int) -> bool:
        """SVC / HardFault: taken at once if their priority allows, else False (escalation)."""
        self.nvic.set_pending(number)
        if self.nvic.next_to_take(self.masks()) != number:
            self.nvic.clear_pending(number)
            return False
        frame = self.push_stack(return_address)
        self.machine.now += self.model.exception_entry
        self.exception_taken(number, frame, return_address, tail_chained=False)
        return True
