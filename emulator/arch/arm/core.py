"""The Cortex-M face of the machine: reset, engine interrupts (SVC, BKPT, EXC_RETURN), faults.

Implements the ``ArchCore`` port (emulator/arch/ports.py) over a ``CoreHost``.
"""
from __future__ import annotations

import struct
from operator import itemgetter

from ...engine.clock import FLAG_FP, FLAG_SYSREG
from ...events import Context
from ...peripherals.dwt import Dwt
from ..ports import ProbeReads
from . import nvic as N
from .alignment import UFSR_UNALIGNED, Alignment, image_sites, unaligned_message
from .stacklimit import INTR_STKOF, UFSR_STKOF, StackLimits
from .variants import ARMV8M
from .demcr import Demcr
from .divide import DivisionTimer
from .exceptions import MASK_REGS, BadExcReturn, CortexMExceptions
from .fpu import Fpu
from ..faultloop import Progress
from .scs import HFSR_FORCED, UFSR_NOCP, SystemControlSpace
from .semihosting import Exit, Semihosting, SemihostingError, heap_info
from .spec import CORTEX_M
from .traps import CONTROL_BITS, TrapRunner

# Unicorn interrupt numbers for M-profile (QEMU's EXCP_*), measured with Unicorn 2.1.4.
INTR_UDEF, INTR_SWI, INTR_PREFETCH_ABORT, INTR_DATA_ABORT, INTR_BKPT, INTR_EXCEPTION_EXIT = 1, 2, 3, 4, 7, 8
SEMIHOSTING_BKPT = 0xAB
TRAP_CODE = CORTEX_M.spin_code * 8  # 'b .' — the return trap of Machine.call()
UFSR_UNDEFINSTR = 1 << 16          # CFSR bit 16 (B3.2.15)
# Faults that are UsageFaults on silicon (B1.5.14): their CFSR bit.  Taken as UsageFault when
# SHCSR enables it and its priority allows, else escalated to HardFault (HFSR.FORCED).
EXC_RETURN_BASE = 0xFFFFFFE0
FAULT_HANDLERS = (N.HARDFAULT, N.MEMMANAGE, N.BUSFAULT, N.USAGEFAULT)
USAGE_FAULTS = {"undefined-instruction": UFSR_UNDEFINSTR, "usage-fault-nocp": UFSR_NOCP,
                "unaligned-access": UFSR_UNALIGNED, "stack-limit": UFSR_STKOF}
FAULT_REGS = tuple(f"r{i}" for i in range(13)) + (
    "sp", "lr", "pc", "xpsr", "msp", "psp", "control") + MASK_REGS
FP_REGS = tuple(f"s{i}" for i in range(32)) + ("fpscr",)


ARGUMENT_REGS = ("r0", "r1", "r2", "r3")     # AAPCS arguments
# Everything a call probe reads (probe_reads, context): recorded at each probed instruction.
PROBE_REGS = ARGUMENT_REGS + ("lr", "sp", "xpsr") + MASK_REGS


class CortexMCore:
    """ARMv7-M core glue: owns the NVIC and SCS models and the exception engine."""

    arch = CORTEX_M.name
    trap_code = TRAP_CODE
    spin_code = CORTEX_M.spin_code

    def __init__(self, host, board, model):
        self.host, self.cpu = host, host.cpu
        self.nvic = N.Nvic(board.num_irq, board.priority_bits)
        self.scs = None                  # set when the board's SCS is built (peripheral_factories)
        self.demcr = Demcr()             # C1.6.5, in the SCS; its TRCENA gates the DWT
        self.model = model
        self.fpu = Fpu(self.cpu, self._fp_changed, board.fpu) if board.fpu != "none" else None
        self._fault_kind: str | None = None      # set by record_fault
        self._resume_at: int | None = None       # set by fault_at
        self.traps = TrapRunner(self)
        self.exit_value = 0                      # r0 at the last exception return
        self.progress = Progress()
        self.exc: CortexMExceptions | None = None
        self.alignment = Alignment(self.cpu)
        self.limits = StackLimits(self.cpu, host)
        self._call_sites: dict[int, int] = {}
        self.divisions: DivisionTimer | None = None
        self.semihosting = Semihosting(host.cpu, host.console, lambda: host.now,
                                       board.clock_hz, heap_info(board.ram_top()))

    def peripheral_factories(self) -> dict:
        """The System Control Space (B3.2): SysTick, NVIC, SCB and FPU registers over this core."""
        return {"scs": self._attach_scs,
                "dwt": lambda spec, params: Dwt(spec.name, spec.base, spec.size, self.demcr, **params)}

    def _attach_scs(self, spec, params) -> SystemControlSpace:
        self.scs = SystemControlSpace(spec.name, spec.base, spec.size, self.nvic, self.fpu,
                                      self.host.board.cpu, demcr=self.demcr, **params)
        self.scs.on_ccr = self.alignment.ccr_written
        self.scs.vtor = self.host.board.vtor & 0xFFFFFF80          # B3.2.5: TBLOFF bits
        self.exc = CortexMExceptions(self.cpu, self.nvic, self.scs, self.host, self.model,
                                     self.fpu, self.repend_level)
        return self.scs

    # reset and calls ---------------------------------------------------------------------------
    def reset(self, image) -> None:
        """B1.5.5 TakeReset(): MSP from vector 0, PC from vector 1, thread mode, privileged."""
        sp, reset = struct.unpack("<2I", self.cpu.read(self.scs.vtor, 8))
        if reset == 0 and image.entry:
            reset, sp = image.entry, self.host.board.ram_top()
        self.cpu.set_reg("msp", sp)
        self.cpu.set_reg("control", 0)
        self.cpu.set_reg("pc", reset | 1)
        self._fp_changed()
        self.alignment.install(self.host, *image_sites(image, self.host.board, self.model.cs))
        if self.host.board.cpu in ARMV8M:
            self.limits.install(image, self.host.board)
        if self.divisions is None:                   # UDIV/SDIV timed where they run
            self.divisions = DivisionTimer(self.host, image.segments)
            self.divisions.install()
            self.model.timed_divides = frozenset(self.divisions.sites)

    def clocked(self) -> list:
        """No timers inside the core: SysTick is a peripheral on the bus (SCS)."""
        return []

    def exec_pc(self, pc: int) -> int:
        return pc | 1

    def setup_call(self, addr: int, args: tuple[int, ...], trap: int) -> None:
        """AAPCS: r0-r3 then the stack (8-byte aligned), LR = return trap."""
        sp = (self.cpu.reg("sp") - 4 * max(0, len(args) - 4)) & ~7
        for i, value in enumerate(args[4:]):
            self.cpu.write(sp + 4 * i, struct.pack("<I", value & 0xFFFFFFFF))
        self.cpu.set_reg("sp", sp)
        for i, value in enumerate(args[:4]):
            self.cpu.set_reg(f"r{i}", value)
        self.cpu.set_reg("lr", trap | 1)
        self.cpu.set_reg("pc", addr | 1)

    def return_value(self) -> int:
        return self.cpu.reg("r0")

    # call probes (AAPCS) -------------------------------------------------------------------------
    probe_regs = PROBE_REGS
    context_regs = MASK_REGS                 # all context(regs) reads of ``regs``

    def probe_reads(self, index: dict[str, int]) -> ProbeReads:
        """Reading recorded ``probe_regs`` (positions ``index``): arguments r0-r3, the return
        address (LR without the Thumb bit: BL/BLX set LR to it | 1, ARMv7-M A7.7.18-19), the
        value in r0."""
        lr = index["lr"]
        return ProbeReads(arguments=itemgetter(*(index[r] for r in ARGUMENT_REGS)),
                          return_address=lambda values: values[lr] & ~1,
                          return_value=itemgetter(index["r0"]))

    def call_site(self, ret: int) -> int:
        """The calling instruction: a 2-byte BLX Rm or else a 4-byte BL before ``ret``
        (memoised: code does not change under the few call sites a run has)."""
        found = self._call_sites.get(ret)
        if found is None:
            try:
                half = int.from_bytes(self.cpu.read(ret - 2, 2), "little")
            except Exception:
                return ret
            found = self._call_sites[ret] = ret - 2 if half & 0xFF87 == 0x4780 else ret - 4
        return found

    def preempted_frames(self) -> tuple[str, ...]:
        """The code each active handler preempted, innermost first ('symbol+0xoff'): a
        backtrace from inside a handler continues with these after its call site."""
        return tuple(self.host.describe(pc) for pc in reversed(self.exc.preempted))

    # interrupts ---------------------------------------------------------------------------------
    def take_pending(self, return_pc: int) -> bool:
        unaligned = self.alignment.take_pending()
        if unaligned is not None:
            self._unaligned(*unaligned)
            return True
        return self.exc.take_pending(return_pc)

    def notes(self) -> list[str]:
        return self.alignment.notes + self.limits.notes

    def held_by_masks(self) -> bool:
        """Something pending would preempt were it not for PRIMASK/BASEPRI/FAULTMASK."""
        return self.nvic.would_take_unmasked()

    def deliverable(self) -> bool:
        return self.exc.next_to_take() is not None

    def wake_pending(self) -> bool:
        """B1.5.19 WFI wakes on any pending exception that would preempt if unmasked."""
        return self.nvic.would_take_unmasked()

    def context(self, regs=None) -> Context:
        return self.exc.context(regs)

    def in_interrupt(self) -> bool:
        """Handler mode: some exception is active (context().in_interrupt without the masks)."""
        return bool(self.nvic.active)

    def interrupt_state(self) -> tuple:
        """All that context(regs) and preempted_frames() read besides registers: equal states, equal
        answers (the call probes keep their memos while it stays the same)."""
        exc = self.exc
        return tuple(self.nvic.active), exc.chain, tuple(exc.preempted)

    def idle_at(self, pc: int) -> bool:
        """True if emulation stopped on its own because the core executed WFI (before pc)."""
        return self.cpu.read(pc - 2, 2) == b"\x30\xbf"

    # engine interrupts ----------------------------------------------------------------------------
    def on_engine_interrupt(self, intno: int) -> None:
        pc = self.cpu.reg("pc")
        if intno == INTR_EXCEPTION_EXIT:
            self._exception_exit(pc | 1)
        elif intno == INTR_SWI:
            self._svc(pc)
        elif intno == INTR_BKPT:
            self._bkpt(pc)
        elif intno == INTR_UDEF:
            self.host.fault("undefined-instruction", pc, "undefined instruction")
        elif intno == INTR_DATA_ABORT:
            self._data_abort(pc)
        elif intno == INTR_STKOF:
            self.host.fault("stack-limit", pc, "the instruction would move SP below its limit "
                            "(MSPLIM/PSPLIM): UsageFault STKOF (ARMv8-M stack limit checks)")
        elif intno == INTR_PREFETCH_ABORT:
            self.host.fault("unmapped-fetch", pc, f"instruction fetch from 0x{pc:08x}")
        else:
            self.host.fault("cpu-exception", pc, f"unhandled CPU exception {intno}")

    def _data_abort(self, pc: int) -> None:
        """Unicorn's own data abort: its alignment check of LDREX/STREX (A3.2.1) when the
        instruction at ``pc`` has an unaligned base, else an abort it does not explain."""
        site = self.alignment.site_at(pc)
        if site is not None and self.alignment.base_of(site) & site.mask:
            self._unaligned(site, self.alignment.base_of(site))
        else:
            self.host.fault("data-abort", pc, "data abort raised by the engine (no unmapped "
                            "address and no unaligned base register found)")

    def _unaligned(self, site, base: int) -> None:
        """A3.2.1: the instruction at ``site.addr`` did not run; UsageFault UNALIGNED.  One
        in an IT block returns to its IT instruction (as traps.py's FP checks do)."""
        self.fault_at(site.hook, "unaligned-access", site.addr, unaligned_message(site, base), base)

    def returns_by_exception(self, ret: int) -> bool:
        """A call whose return address is an EXC_RETURN value (B1.5.8: 0xFFFFFFE0 and up; a
        handler's tail call such as ``b.w printf``) returns by that handler's exception return."""
        return ret >= EXC_RETURN_BASE

    def _exception_exit(self, exc_return: int) -> None:
        self.exit_value = self.cpu.reg("r0")          # what a call returning by it returns
        self.exc.returned = None
        try:
            self.exc.exception_return(exc_return)
            if self.exc.returned and self.exc.returned[0] in FAULT_HANDLERS:
                self.progress.resumed(self.exc.returned[1], self.host.now)
        except BadExcReturn as exc:
            handler = self.exc.chain[-1] if self.exc.chain else "thread"
            self.host.fault("bad-exc-return", exc_return, str(exc), location=handler)
        self.host.after_state_change()

    def _svc(self, pc: int) -> None:
        if not self.exc.take_synchronous(N.SVCALL, pc):
            self.host.fault("svc-escalation", pc - 2,
                               "SVC executed where SVCall cannot be taken (priority/mask)")
        self.host.after_state_change()

    def _bkpt(self, pc: int) -> None:
        imm = self.cpu.read(pc, 1)[0]
        if imm != SEMIHOSTING_BKPT:
            self.host.fault("breakpoint", pc, f"bkpt #{imm} hit")
            return
        try:
            result = self.semihosting.call(self.cpu.reg("r0"), self.cpu.reg("r1"))
        except SemihostingError as exc:
            self.host.fault("semihosting", pc, str(exc))
            return
        if isinstance(result, Exit):
            self.host.finish("exit", result.code)
            return
        self.cpu.set_reg("r0", result)
        self.cpu.set_reg("pc", (pc + 2) | 1)

    # faults ------------------------------------------------------------------------------------
    def enter_fault_handler(self, pc: int) -> bool:
        """Take the fault just reported: a UsageFault kind (USAGE_FAULTS) sets its CFSR bit and
        is taken as UsageFault if SHCSR enables it and its priority allows; everything else,
        and a UsageFault that cannot be taken, escalates to HardFault (B1.5.14, B3.2.16)."""
        kind, self._fault_kind = self._fault_kind, None
        resume = pc if self._resume_at is None else self._resume_at
        if self._no_progress(pc):
            return False
        if kind in USAGE_FAULTS:
            if self.scs.fault_enabled(N.USAGEFAULT) and self._has_handler(N.USAGEFAULT) \
                    and self.exc.take_synchronous(N.USAGEFAULT, resume):
                return True
            self.scs.hfsr |= HFSR_FORCED
        if not self._has_handler(N.HARDFAULT):
            return False
        return self.exc.take_synchronous(N.HARDFAULT, resume)

    def _no_progress(self, pc: int) -> bool:
        """The instruction at ``pc`` faulted again as soon as a fault handler resumed it, too
        often: end the run (silicon would loop forever) instead of entering the handler."""
        repeats = self.progress.fault(pc, self.host.cycle_at(pc))
        if not self.progress.stuck():
            return False
        where = self.host.describe(pc)
        self.host.finish("fault", None, f"{repeats} faults in a row at {where} without "
                                           "progress: the fault handler returns to the faulting "
                                           "instruction")
        return True

    def record_fault(self, kind: str) -> tuple[tuple[str, int], ...]:
        """A fault of ``kind`` is being reported: a UsageFault kind sets its CFSR bit (taken
        then as ``enter_fault_handler`` decides).  Returns the register dump: what QEMU prints
        at a fault, and more: R0-R12, SP, LR, PC, xPSR, MSP, PSP, CONTROL, the masks,
        CFSR/HFSR (B3.2.15-16); with the FPU enabled also s0-s31 and FPSCR."""
        self._fault_kind = kind
        if kind in USAGE_FAULTS and self.scs is not None:
            self.scs.cfsr |= USAGE_FAULTS[kind]
        names = FAULT_REGS + (FP_REGS if self.fpu and self.fpu.permits(True) else ())
        values = self.cpu.regs_read(names)
        control = values[names.index("control")] & CONTROL_BITS
        status = (("cfsr", self.scs.cfsr), ("hfsr", self.scs.hfsr)) if self.scs else ()
        return tuple((n, control if n == "control" else v) for n, v in zip(names, values)) + status

    def _has_handler(self, number: int) -> bool:
        vector = self.exc.vector(number) & ~1
        return vector != 0 and self.cpu.is_mapped(vector)

    # floating point ----------------------------------------------------------------------------
    def _fp_changed(self) -> None:
        """The block clock's traps follow the FPU state (fpu.py): FP blocks stop while an FP
        instruction needs a check, blocks with MRS/MSR CONTROL always (with an FPU)."""
        if self.fpu is not None:
            self.host.set_traps(FLAG_SYSREG | (FLAG_FP if self.fpu.trap_wanted() else 0))

    def on_trap(self, pc: int) -> None:
        """The block clock stopped before a trapped block (traps.py)."""
        self.traps.on_trap(pc)

    def fault_at(self, resume: int, kind: str, pc: int, message: str,
                 address: int | None = None) -> None:
        """Report a fault of the instruction at ``pc`` whose exception returns to ``resume``
        (its IT instruction when it is inside an IT block)."""
        self._resume_at = resume
        self.host.fault(kind, pc, message, address)
        self._resume_at = None

    def repend_level(self, number: int) -> None:
        """B3.4.1: a level-sensitive IRQ still asserted at exception return pends again."""
        if self.host.irq_level(number):
            self.nvic.set_pending(number)
