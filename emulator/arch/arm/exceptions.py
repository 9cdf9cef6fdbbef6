"""ARMv7-M exception entry and return (ARMv7-M ARM B1.5.6-B1.5.8) over the CpuPort.

Unicorn has no NVIC and does no exception entry: this module pushes and pops the frames,
switches MSP/PSP and handler/thread mode, and chooses what to take, using ``Nvic`` for state.
Interrupts are taken at basic-block boundaries (see ``Machine``); SVC, faults and returns at the
instruction that causes them.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from ...events import Context, InterruptEntered, InterruptExited
from . import fpu as F
from . import nvic as N

EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP = 0xFFFFFFF1, 0xFFFFFFF9, 0xFFFFFFFD
EXC_RETURN_BASIC_FRAME = 1 << 4    # B1.5.8: EXC_RETURN[4] = 0 means the frame holds FP context
EXC_RETURN_TO_PSP = 1 << 2
BASIC_EXC_RETURN = (EXC_RETURN_HANDLER, EXC_RETURN_THREAD_MSP, EXC_RETURN_THREAD_PSP)
VALID_EXC_RETURN = BASIC_EXC_RETURN                   # a core without the FP extension
VALID_EXC_RETURN_FP = BASIC_EXC_RETURN + tuple(v & ~EXC_RETURN_BASIC_FRAME for v in BASIC_EXC_RETURN)
SPSEL = 2
FRAME_WORDS = 8                    # r0-r3, r12, lr, ReturnAddress, xPSR
FRAME_SIZE, FP_FRAME_SIZE = 0x20, 0x68   # B1.5.7: the basic frame; with s0-s15, FPSCR, reserved
XPSR_ALIGN = 1 << 9                # B1.5.7 stack alignment on exception entry
XPSR_T = 1 << 24                   # EPSR.T: Unicorn reads it as 0; the frame must hold 1
FRAME_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr")    # the frame less ReturnAddress
FRAME_REGS_MSP = FRAME_REGS + ("msp", "pc")                    # PopStack of an MSP frame
ENTRY_REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "xpsr", "control", "msp", "psp")
MASK_REGS = ("primask", "basepri", "faultmask")
TAKE_REGS = ENTRY_REGS + MASK_REGS            # read in one batch when an exception is pending
# What ExceptionTaken() writes, in this order, by where the frame was pushed (None: tail-chaining,
# no new frame): the new SP, LR = EXC_RETURN, CONTROL with SPSEL cleared, IPSR, PC.
# With an FP context active, CONTROL is written too (FPCA cleared): the "-fp" entries.
TAKEN_WRITES = {"msp": ("msp", "lr", "ipsr", "pc"), "psp": ("psp", "lr", "control", "ipsr", "pc"),
                None: ("lr", "ipsr", "pc"), "msp-fp": ("msp", "lr", "control", "ipsr", "pc"),
                "fp": ("lr", "control", "ipsr", "pc")}


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
    extra_cycles: int = 0          # stacking the FP state (not lazily)


class CortexMExceptions:
    """Exception entry/return for one ARMv7-M core: reads and writes the CPU through ``cpu``.

    ``host`` is the core's CoreHost (``charge`` takes the entry/exit/tail-chain costs);
    ``emit`` receives InterruptEntered/InterruptExited events; ``describe`` maps an address to
    'symbol+0xoff'; ``level`` says whether a peripheral still asserts an IRQ line.
    """

    def __init__(self, cpu, nvic: N.Nvic, scs, host, model, fpu: F.Fpu | None = None,
                 repend_level=lambda number: None):
        self.cpu, self.nvic, self.scs, self.host, self.model = cpu, nvic, scs, host, model
        self.repend_level = repend_level              # the core's: a level line still asserted
        self.fpu = fpu
        self.valid_exc_return = VALID_EXC_RETURN_FP if fpu else VALID_EXC_RETURN
        self.max_depth = 0
        self.preempted: list[int] = []        # return address of each active exception's frame
        self._names: dict[int, str] = {}      # handler address -> symbol+0xoff
        # The handler each active exception entered (nvic.active's names, outermost first): the
        # vector at entry, so a handler keeps its name if VTOR or a RAM table changes under it.
        self.chain: tuple[str, ...] = ()
        self._contexts: dict[tuple, Context] = {}   # (chain, current, masked) -> Context
        self.returned: tuple[int, int] | None = None  # (number, return PC) of the last unstacking

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
            name = self._names[vector] = self.host.describe(vector)
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
        self.host.charge(self.model.exception_entry + frame.extra_cycles)
        if self.host.fire_if_due():              # late arrival: re-choose after stacking
            number = nvic.next_to_take(masks) or number
        self.exception_taken(number, frame, return_address, False, masks)
        return True

    def push_stack(self, return_address: int, regs: list[int] | None = None) -> Frame:
        """B1.5.6 PushStack(): the 8-word frame, or with CONTROL.FPCA set the 26-word one (FP
        state stored now or reserved for a lazy save: fpu.py), on the current stack, 8-byte
        aligned (STKALIGN; always for an FP frame).  ``regs``: ENTRY_REGS already read (first
        in a longer batch).  The new SP and LR are returned in the Frame and written by
        ``exception_taken``."""
        *frame, xpsr, control, msp, psp = (regs or self.cpu.regs_read(ENTRY_REGS))[:len(ENTRY_REGS)]
        thread = not self.nvic.active
        thread_psp = thread and control & SPSEL
        sp = psp if thread_psp else msp
        fp = self._fp_context(control)
        new_sp = (sp - (FP_FRAME_SIZE if fp else FRAME_SIZE)) & ~4 & 0xFFFFFFFF
        xpsr |= XPSR_T | (XPSR_ALIGN if sp & 4 else 0)
        data, extra = struct.pack("<8I", *frame, return_address, xpsr), 0
        if fp:
            part, extra = self.fpu.push(new_sp, thread, bool(thread and control & 1), self._ready())
            data += part
        self.host.write_stack(new_sp, data, FP_FRAME_SIZE if fp else FRAME_SIZE)
        exc_return = (EXC_RETURN_HANDLER if not thread else
                      EXC_RETURN_THREAD_PSP if thread_psp else EXC_RETURN_THREAD_MSP)
        if fp:
            exc_return &= ~EXC_RETURN_BASIC_FRAME
        return Frame(new_sp, "psp" if thread_psp else "msp", exc_return, control, sp, extra)

    def _fp_context(self, control: int) -> bool:
        """CONTROL.FPCA on a core with the FP extension.  Unicorn sets FPCA on an FP instruction
        whatever FPCCR.ASPEN says; with ASPEN clear only software sets it (B1.4.7), which the
        frames follow as FPCA = 0 (firmware that clears ASPEN manages FP state itself)."""
        fpu = self.fpu
        return bool(fpu and control & F.CONTROL_FPCA and fpu.fpccr & F.FPCCR_ASPEN)

    def _ready(self) -> int:
        """UpdateFPCCR()'s HFRDY/MMRDY/BFRDY/MONRDY: whether each fault could be pended at the
        priority the frame is pushed at (B3.2.21); MONRDY stays 0 (no debug monitor)."""
        priority = self.nvic.execution_priority(N.NO_MASKS)
        ready = F.FPCCR_HFRDY if priority > -1 else 0
        for number, bit in ((N.MEMMANAGE, F.FPCCR_MMRDY), (N.BUSFAULT, F.FPCCR_BFRDY)):
            if self.scs.fault_enabled(number) and self.nvic.priority[number] < priority:
                ready |= bit
        return ready

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
        fp = frame.control & F.FP_ACTIVE            # B1.5.6: CONTROL.FPCA = '0' in the handler
        control = frame.control & ~F.FP_ACTIVE
        if frame.stack == "msp":
            writes = TAKEN_WRITES["msp-fp" if fp else "msp"]
            values = (frame.sp, frame.exc_return, control, number, vector | 1) if fp else (
                frame.sp, frame.exc_return, number, vector | 1)           # PC bit 0 sets EPSR.T
        elif frame.stack == "psp":
            writes = TAKEN_WRITES["psp"]
            values = (frame.sp, frame.exc_return, control & ~SPSEL, number, vector | 1)
        else:
            writes = TAKEN_WRITES["fp" if fp else None]
            values = (frame.exc_return, control, number, vector | 1) if fp else (
                frame.exc_return, number, vector | 1)
        self.cpu.regs_write(writes, values)
        self.max_depth = max(self.max_depth, len(self.nvic.active))
        m = self.host
        if m.recording():
            m.emit(InterruptEntered(m.now, number, N.exception_name(number), self.chain[-1],
                                    self._context(masks), self.cpu.reg("sp"), return_address,
                                    tail_chained, m.describe(return_address),
                                    0 if tail_chained else self.model.exception_entry + frame.extra_cycles,
                                    None if tail_chained else frame.preempted_sp))

    # B1.5.8 exception return -----------------------------------------------------------------
    def exception_return(self, exc_return: int) -> None:
        """Handle a branch to EXC_RETURN: tail-chain to a pending exception, or unstack."""
        returning = self.nvic.current
        self._check_exc_return(exc_return, returning)
        m = self.host
        handler = self.chain[-1]
        self.nvic.deactivate(returning)                     # returning is nvic.current: the last
        self.chain = self.chain[:-1]
        self.repend_level(returning)
        nxt = self.nvic.highest_pending()
        if nxt is not None:
            masks = self.masks()
            if self.nvic.preempts(nxt, masks):              # tail-chaining: no unstack/restack
                self._tail_chain(returning, handler, nxt, exc_return, masks)
                return
        m.charge(self.model.exception_exit)
        return_pc, sp = self.pop_stack(exc_return)
        self.returned = (returning, return_pc)
        self.preempted.pop()
        if m.recording():
            m.emit(InterruptExited(m.now, returning, handler, self.context(), return_pc,
                                   None, sp))

    def _check_exc_return(self, exc_return: int, returning: int) -> None:
        if returning == 0:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} in thread mode")
        if exc_return not in self.valid_exc_return:
            raise BadExcReturn(f"invalid EXC_RETURN 0x{exc_return:08x}")
        to_thread = exc_return & 0xF != EXC_RETURN_HANDLER & 0xF
        if to_thread and len(self.nvic.active) > 1:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} returns to thread mode "
                               f"with {len(self.nvic.active) - 1} other exception(s) active")
        if not to_thread and len(self.nvic.active) == 1:
            raise BadExcReturn(f"EXC_RETURN 0x{exc_return:08x} returns to handler mode with none active")

    def _tail_chain(self, returning: int, handler: str, nxt: int, exc_return: int,
                    masks: N.Masks) -> None:
        m = self.host
        m.charge(self.model.tail_chain)
        if m.recording():
            m.emit(InterruptExited(m.now, returning, handler, self._context(masks),
                                   0, tail_chained_to=nxt))
        resume = self.preempted[-1] if self.preempted else 0
        control = self.cpu.reg("control") if self.fpu else 0
        self.exception_taken(nxt, Frame(0, None, exc_return, control), resume, True, masks)

    def pop_stack(self, exc_return: int) -> tuple[int, int]:
        """B1.5.8 PopStack(): restore r0-r3, r12, lr, pc, xPSR (and from an extended frame,
        EXC_RETURN[4] = 0, the FP state: fpu.py); undo the alignment pad; CONTROL.SPSEL and
        CONTROL.FPCA from EXC_RETURN.  Register writes in this order: the frame (xPSR restores
        IPSR too), CONTROL, the stack pointer, PC (bit 0 keeps EPSR.T set).  Returns the PC and
        the stack pointer returned to."""
        cpu = self.cpu
        stack = "psp" if exc_return & EXC_RETURN_TO_PSP else "msp"
        sp = cpu.reg(stack)
        *regs, pc, xpsr = struct.unpack("<8I", cpu.read(sp, 4 * FRAME_WORDS))
        frame = (*regs, xpsr & ~XPSR_ALIGN)
        extended = not exc_return & EXC_RETURN_BASIC_FRAME
        if extended:
            self.host.charge(self.fpu.pop(sp))
        new_sp = sp + (FP_FRAME_SIZE if extended else FRAME_SIZE) + (4 if xpsr & XPSR_ALIGN else 0)
        if stack == "psp":
            control = cpu.reg("control") | SPSEL
            cpu.regs_write(FRAME_REGS, frame)
            cpu.regs_write(("control", "psp", "pc"), (self._fpca(control, extended), new_sp, pc | 1))
        elif self.fpu:
            control = self._fpca(cpu.reg("control"), extended)
            cpu.regs_write(FRAME_REGS_MSP + ("control",), (*frame, new_sp, pc | 1, control))
        else:
            cpu.regs_write(FRAME_REGS_MSP, (*frame, new_sp, pc | 1))
        return pc & ~1, new_sp

    @staticmethod
    def _fpca(control: int, extended: bool) -> int:
        """B1.5.8: CONTROL.FPCA = NOT(EXC_RETURN[4]) (with Unicorn's companion bit, F.FP_ACTIVE)."""
        return control | F.FP_ACTIVE if extended else control & ~F.FP_ACTIVE

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
        self.host.charge(self.model.exception_entry + frame.extra_cycles)
        self.exception_taken(number, frame, return_address, False, masks)
        return True
