"""ARMv7-M exception entry and return (ARMv7-M ARM B1.5.6-B1.5.8) over the CpuPort.

Unicorn has no NVIC and does no exception entry: this module pushes and pops the frames,
switches MSP/PSP and handler/thread mode, and chooses what to take, using ``Nvic`` for state.
Interrupts are taken at basic-block boundaries (see ``Machine``); SVC, faults and returns at the
instruction that causes them.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from ..events import Context, InterruptEntered, InterruptExited
from . import nvic as N

EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP = 0xFFFFFFF1, 0xFFFFFFF9, 0xFFFFFFFD
VALID_EXC_RETURN = (EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP)
SPSEL = 2
FRAME_WORDS = 8                    # r0-r3, r12, lr, ReturnAddress, xPSR (no FP context)
XPSR_ALIGN = 1 << 9                # B1.5.7 stack alignment on exception entry
XPSR_T = 1 << 24                   # EPSR.T: Unicorn reads it as 0; the frame must hold 1
FRAME_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr")    # the frame less ReturnAddress
FRAME_REGS_MSP = FRAME_REGS + ("msp", "pc")                    # PopStack of an MSP frame
ENTRY_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr", "control", "msp", "psp")
MASK_REGS = ("primask", "basepri", "faultmask")
TAKE_REGS = ENTRY_REGS + MASK_REGS            # read in one batch when an exception is pending
# What ExceptionTaken() writes, in this order, by where the frame was pushed (None: tail-chaining,
# no new frame): the new SP, LR = EXC_RETURN, CONTROL with SPSEL cleared, IPSR, PC.
TAKEN_WRITES = {"msp": ("msp", "lr", "ipsr", "pc"), "psp": ("psp", "lr", "control", "ipsr", "pc"),
                None: ("lr", "ipsr", "pc")}


class BadExcReturn(Exception):
    """An EXC_RETURN value or return state the architecture treats as a UsageFault (INVPC)."""


class Frame(NamedTuple):
    """Where a frame was pushed and the register values that go with it (written by
    ``exception_taken``, in one batch with IPSR and PC).  ``stack`` None: tail-chaining."""

    sp: int                        # the stack pointer after pushing
    stack: str | None              # 'msp' or 'psp'
    exc_return: int                # LR on entry
    control: int                   # CONTROL before entry
    preempted_sp: int = 0          # the stack pointer before the push


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
        # The handler each active exception entered (nvic.active's names, outermost first): the
        # vector at entry, so a handler keeps its name if VTOR or a RAM table changes under it.
        self.chain: tuple[str, ...] = ()
        self._contexts: dict[tuple, Context] = {}   # (chain, current, masked) -> Context

    # masks and context ---------------------------------------------------------------------
    def masks(self, regs=None) -> N.Masks:
        return N.Masks(*(regs or self.cpu).regs_read(MASK_REGS))

    def context(self, regs=None) -> Context:
        """The current context; mask registers from ``regs`` (recorded earlier) if given."""
        return self._context(self.masks(regs))

    def _context(self, masks: N.Masks) -> Context:
        """The context under ``masks`` (one Context object per chain and mask state)."""
        masked = bool(masks.primask & 1 or masks.faultmask & 1 or masks.basepri & self.nvic.priority_mask)
        key = (self.chain, self.nvic.current, masked)
        found = self._contexts.get(key)
        if found is None:
            chain = self.chain
            found = self._contexts[key] = (Context(chain[-1], key[1], len(chain), chain, masked)
                                           if chain else Context(masked=masked))
        return found

    def next_to_take(self) -> int | None:
        """``Nvic.next_to_take`` under the current masks, read only if something is pending."""
        number = self.nvic.highest_pending()
        if number is None or not self.nvic.preempts(number, self.masks()):
            return None
        return number

    def vector(self, number: int) -> int:
        raw = self.cpu.read(self.scs.vtor + 4 * number, 4)
        return struct.unpack("<I", raw)[0]

    def _name_at(self, vector: int) -> str:
        vector &= ~1
        name = self._names.get(vector)
        if name is None:
            name = self._names[vector] = self.machine.describe(vector)
        return name

    # B1.5.6 exception entry ------------------------------------------------------------------
    def take_pending(self, return_address: int) -> bool:
        """Take the highest pending exception if it preempts; late arrival within the entry."""
        nvic = self.nvic
        number = nvic.highest_pending()
        if number is None:
            return False
        regs = self.cpu.regs_read(TAKE_REGS)            # PushStack's registers and the masks
        masks = N.Masks(*regs[len(ENTRY_REGS):])
        if not nvic.preempts(number, masks):
            return False
        frame = self.push_stack(return_address, regs)
        self.machine.clock.now += self.model.exception_entry
        if self.machine.timers.fire_if_due():              # late arrival: re-choose after stacking
            number = nvic.next_to_take(masks) or number
        self.exception_taken(number, frame, return_address, False, masks)
        return True

    def push_stack(self, return_address: int, regs: list[int] | None = None) -> Frame:
        """B1.5.6 PushStack(): 8-word frame on the current stack, 8-byte aligned (STKALIGN).
        ``regs``: ENTRY_REGS already read (first in a longer batch).  The new SP and LR are
        returned in the Frame and written by ``exception_taken``."""
        *frame, xpsr, control, msp, psp = (regs or self.cpu.regs_read(ENTRY_REGS))[:len(ENTRY_REGS)]
        thread_psp = not self.nvic.active and control & SPSEL
        stack = "psp" if thread_psp else "msp"
        sp = psp if thread_psp else msp
        new_sp = (sp - 4 * FRAME_WORDS) & ~4 & 0xFFFFFFFF
        xpsr |= XPSR_T | (XPSR_ALIGN if sp & 4 else 0)
        self.machine.write_stack(new_sp, struct.pack("<8I", *frame, return_address, xpsr))
        exc_return = (EXC_RETURN_HANDLER if self.nvic.active else
                      EXC_RETURN_THREAD_PSP if thread_psp else EXC_RETURN_THREAD_MSP)
        return Frame(new_sp, stack, exc_return, control, sp)

    def exception_taken(self, number: int, frame: Frame, return_address: int, tail_chained: bool,
                        masks: N.Masks) -> None:
        """B1.5.6 ExceptionTaken(): handler mode on MSP, IPSR = number, PC = vector; with the
        frame's SP and LR, and CONTROL.SPSEL cleared after a push to PSP.
        ``masks``: PRIMASK/BASEPRI/FAULTMASK as read to choose ``number`` (entry keeps them)."""
        vector = self.vector(number)
        self.nvic.activate(number)
        self.chain += (self._name_at(vector),)
        if not tail_chained:
            self.preempted.append(return_address)
        if frame.stack == "msp":
            values = (frame.sp, frame.exc_return, number, vector | 1)   # PC bit 0 sets EPSR.T
        elif frame.stack == "psp":
            values = (frame.sp, frame.exc_return, frame.control & ~SPSEL, number, vector | 1)
        else:
            values = (frame.exc_return, number, vector | 1)
        self.cpu.regs_write(TAKEN_WRITES[frame.stack], values)
        self.max_depth = max(self.max_depth, len(self.nvic.active))
        m = self.machine
        if m.recording():
            m.emit(InterruptEntered(m.clock.now, number, N.exception_name(number), self.chain[-1],
                                    self._context(masks), self.cpu.reg("sp"), return_address,
                                    tail_chained, m.describe(return_address),
                                    0 if tail_chained else self.model.exception_entry,
                                    None if tail_chained else frame.preempted_sp))

    # B1.5.8 exception return -----------------------------------------------------------------
    def exception_return(self, exc_return: int) -> None:
        """Handle a branch to EXC_RETURN: tail-chain to a pending exception, or unstack."""
        returning = self.nvic.current
        self._check_exc_return(exc_return, returning)
        m = self.machine
        handler = self.chain[-1]
        self.nvic.deactivate(returning)                     # returning is nvic.current: the last
        self.chain = self.chain[:-1]
        m.core.repend_level(returning)
        nxt = self.nvic.highest_pending()
        if nxt is not None:
            masks = self.masks()
            if self.nvic.preempts(nxt, masks):              # tail-chaining: no unstack/restack
                self._tail_chain(returning, handler, nxt, exc_return, masks)
                return
        m.clock.now += self.model.exception_exit
        return_pc, sp = self.pop_stack(exc_return)
        self.preempted.pop()
        if m.recording():
            m.emit(InterruptExited(m.clock.now, returning, handler, self.context(), return_pc,
                                   None, sp))

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

    def _tail_chain(self, returning: int, handler: str, nxt: int, exc_return: int,
                    masks: N.Masks) -> None:
        m = self.machine
        m.clock.now += self.model.tail_chain
        if m.recording():
            m.emit(InterruptExited(m.clock.now, returning, handler, self._context(masks),
                                   0, tail_chained_to=nxt))
        resume = self.preempted[-1] if self.preempted else 0
        self.exception_taken(nxt, Frame(0, None, exc_return, 0), resume, True, masks)

    def pop_stack(self, exc_return: int) -> int:
        """B1.5.8 PopStack(): restore r0-r3, r12, lr, pc, xPSR; undo the alignment pad.
        Register writes in this order: the frame (xPSR restores IPSR too), CONTROL.SPSEL for a
        PSP return, the stack pointer, PC (bit 0 keeps EPSR.T set).  Returns the PC and the
        stack pointer returned to."""
        cpu = self.cpu
        stack = "psp" if exc_return == EXC_RETURN_THREAD_PSP else "msp"
        sp = cpu.reg(stack)
        *regs, pc, xpsr = struct.unpack("<8I", cpu.read(sp, 4 * FRAME_WORDS))
        frame = (*regs, xpsr & ~XPSR_ALIGN)
        new_sp = sp + 4 * FRAME_WORDS + (4 if xpsr & XPSR_ALIGN else 0)
        if stack == "psp":
            cpu.regs_write(FRAME_REGS, frame)
            cpu.regs_write(("control", "psp", "pc"), (cpu.reg("control") | SPSEL, new_sp, pc | 1))
        else:
            cpu.regs_write(FRAME_REGS_MSP, (*frame, new_sp, pc | 1))
        return pc & ~1, new_sp

    # synchronous exceptions ------------------------------------------------------------------
    def take_synchronous(self, number: int, return_address: int) -> bool:
        """SVC / HardFault: taken at once if their priority allows, else False (escalation)."""
        self.nvic.set_pending(number)
        regs = self.cpu.regs_read(TAKE_REGS)
        masks = N.Masks(*regs[len(ENTRY_REGS):])
        if self.nvic.next_to_take(masks) != number:
            self.nvic.clear_pending(number)
            return False
        frame = self.push_stack(return_address, regs)
        self.machine.clock.now += self.model.exception_entry
        self.exception_taken(number, frame, return_address, False, masks)
        return True
