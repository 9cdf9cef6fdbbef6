"""The Book E face of the machine: interrupt entry/return, Book E timers, INTC/PIT/simctl wiring.

Implements the ``ArchCore`` port (emulator/arch/ports.py) over a ``CoreHost``, for an
e200-class core on Unicorn's e500v2 model (e200z3 RM rev. 2 chapter 4; the e200z6 RM has the
same interrupt model).  Exactness, and how it is reached without per-instruction hooks:
- Asynchronous interrupts (critical input, external input from the INTC, FIT, decrementer) are
  taken at basic-block boundaries by the run loop; `wrteei 1`/`mtmsr` end their block in Unicorn
  (measured), so an interrupt held by MSR[EE] is taken right after the enabling instruction.
- Entry (§4.6): SRR0/SRR1 (CSRR0/CSRR1) are loaded through a host stub (``SprPort``), MSR is
  cleared per the §4.6 tables, PC = IVPR[0:15] || IVORn[16:27] || 0b0000.
- Return: at reset the image's code is scanned for rfi/rfci words and a one-address code hook is
  put on each; it stops the engine before the instruction, and the core performs it as Book E
  defines it (MSR <- SRR1, PC <- SRR0) after reading SRR0/SRR1, emitting InterruptExited.
- Timer SPRs (DEC, DECAR, TCR, TSR, TBL/TBU): every mtspr/mfspr/mftb of them found by the same
  scan gets a one-address code hook that performs the access on ``BookETimers`` (model cycles)
  and skips the native instruction (Unicorn's DEC does not count: measured).  Code written to
  RAM at run time is not scanned.
- ``sc`` arrives as Unicorn interrupt 8 with PC after it; the core takes IVOR8 there.
- Faults (unmapped/protected access, illegal instruction, trap, privileged instruction, unaligned
  lwarx) are reported by ``Machine.fault`` and then enter the firmware's data storage (IVOR2),
  instruction storage (IVOR3), alignment (IVOR5) or program (IVOR6) handler with SRR0/SRR1,
  ESR and DEAR loaded per §4.6 (see emulator/arch/ppc/faults.py for the settings and for when the
  run ends instead).  Faults the engine raises as interrupts are entered between slices, like sc.
- MSR[IS]/[DS] = 1 from mtmsr (a one-address hook on each, found by the scan) or rfi/rfci would
  abort the engine: an instruction TLB error (IVOR14) or the end of the run (ppc/addrspace.py).
Event numbers: IVOR n for core interrupts, 16 + source for INTC sources (name 'IVOR4:59',
text 'INTC 59'); an IVOR4 entry is named for the source asserted at entry and is the source the
handler's IACKR read acknowledges from that read on (emulator/arch/ppc/intack.py).
"""
from __future__ import annotations

import struct
from operator import itemgetter
from typing import NamedTuple

from ...events import Context, Fault, InterruptEntered, InterruptExited
from ..faultloop import Progress
from ..segments import executable_segments
from ...peripherals.intc import Intc
from ...peripherals.pit import Pit
from ...peripherals.simctl import SimControl
from ..ports import ProbeReads
from . import booke as B
from . import faults as F
from .addrspace import AddressSpaces
from .intack import Acknowledgements
from .sprport import SprPort
from .timers import BookETimers
from .spec import BOOKE

INTR_SYSCALL = 8                                         # Unicorn 2.1.4 PPC, measured
BRANCH_TO_SELF = BOOKE.spin_code
MAX_ACTIVE = 64        # interrupts tracked as nested: far beyond the INTC LIFO's 14 levels
ARGUMENT_REGS = ("r3", "r4", "r5", "r6")                  # EABI arguments
# Everything a call probe reads (probe_reads, context): recorded at each probed instruction.
PROBE_REGS = ARGUMENT_REGS + ("lr", "sp", "ctr", "cr", "msr")


class Active(NamedTuple):
    """One interrupt being serviced (a tuple: one is built per interrupt)."""

    number: int
    name: str
    handler: str
    critical: bool
    return_pc: int
    vector: int                 # IVPR || IVORn it was entered at
    label: str                  # Context.label: 'INTC 59', 'IVOR10'
    awaiting_ack: bool          # an IVOR4 entry whose source no IACKR read has decided yet


class BookECore:
    """e200-class Book E core glue: owns the Book E timers and the interrupt nesting state."""

    arch = BOOKE.name
    trap_code = BRANCH_TO_SELF * 4
    spin_code = BRANCH_TO_SELF

    def __init__(self, host, board, model):
        self.host, self.cpu, self.board, self.model = host, host.cpu, board, model
        self.timers = BookETimers()
        self.intc: Intc | None = None
        self.simctl: SimControl | None = None
        self.port = SprPort(self.cpu, board.scratch)
        self.active: list[Active] = []
        self.max_depth = 0
        self._returning: tuple | None = None     # ('rfi'|'rfci', address) the engine stopped at
        self._syscall: int | None = None         # SRR0 of an `sc` awaiting IVOR8
        self._fault: Fault | None = None          # the machine's latest Fault event
        self._fault_entry: tuple | None = None    # (Syndrome, repeats) from an engine hook
        self._in_engine_hook = False
        self.acks = Acknowledgements(self)
        self.spaces = AddressSpaces(self)         # MSR[IS]/[DS] writes (ppc/addrspace.py)
        self.progress = Progress()
        self.entry = 0                            # the reset address, set by reset()
        host.subscribe(self._observe, Fault)

    # peripherals -----------------------------------------------------------------------------
    def peripheral_factories(self) -> dict:
        m = self.host
        return {"mpc5554-intc": lambda s, p: self._attach("intc", Intc(
                    s.name, s.base, s.size, on_acknowledge=self.acks.acknowledged, **p)),
                "mpc5604b-pit": lambda s, p: Pit(s.name, s.base, s.size, **p),
                "simctl": lambda s, p: self._attach("simctl", SimControl(
                    s.name, s.base, s.size, lambda code: m.finish("exit", code), **p))}

    def _attach(self, attr: str, peripheral):
        setattr(self, attr, peripheral)
        return peripheral

    # reset and calls ---------------------------------------------------------------------------
    def reset(self, image) -> None:
        """Start at the image entry (raw images: their first byte) with MSR = 0."""
        self.port.install()
        entry = image.entry if image.entry is not None else min(s.addr for s in image.segments)
        self.entry = entry
        self.cpu.set_reg("msr", 0)
        self.cpu.set_reg("r1", (self.host.board.ram_top() - 16) & ~15)
        self.cpu.set_reg("pc", entry)
        self._install_hooks(image)

    def clocked(self) -> list:
        """The core's own timers (DEC/FIT), clocked by the machine like bus timers."""
        return [self.timers]

    def exec_pc(self, pc: int) -> int:
        return pc

    def setup_call(self, addr: int, args: tuple[int, ...], trap: int) -> None:
        """PowerPC EABI: r3-r10, LR = return trap, a fresh 16-byte frame below r1."""
        if len(args) > 8:
            raise ValueError("at most 8 register arguments")
        self.cpu.set_reg("r1", (self.cpu.reg("r1") - 16) & ~15)
        for i, value in enumerate(args):
            self.cpu.set_reg(f"r{3 + i}", value)
        self.cpu.set_reg("lr", trap)
        self.cpu.set_reg("pc", addr)

    def return_value(self) -> int:
        return self.cpu.reg("r3")

    # call probes ------------------------------------------------------------------------------
    probe_regs = PROBE_REGS
    context_regs = ("msr",)                  # all context(regs) reads of ``regs``

    def probe_reads(self, index: dict[str, int]) -> ProbeReads:
        """Reading recorded ``probe_regs`` (positions ``index``): EABI arguments r3-r6, the
        return address (LR: ``bl`` sets it, EREF 2.0 bx/bl), the value in r3."""
        return ProbeReads(arguments=itemgetter(*(index[r] for r in ARGUMENT_REGS)),
                          return_address=itemgetter(index["lr"]),
                          return_value=itemgetter(index["r3"]))

    def call_site(self, ret: int) -> int:
        return ret - 4

    def preempted_frames(self) -> tuple[str, ...]:
        return tuple(self.host.describe(a.return_pc) for a in reversed(self.active))

    # code scan and hooks -------------------------------------------------------------------------
    def _install_hooks(self, image) -> None:
        for addr, word in self._code_words(image):
            if word in (B.RFI, B.RFCI):
                kind = "rfi" if word == B.RFI else "rfci"
                self.cpu.on_code(lambda a, s, k=kind: self._at_return(k, a), addr, addr)
            elif (rs := B.mtmsr_source(word)) is not None:
                self.spaces.hook(addr, rs)
            elif (access := B.decode_spr_access(word)) and access[1] in B.TIMER_SPRS:
                self.cpu.on_code(lambda a, s, acc=access: self._timer_spr(a, *acc), addr, addr)

    def _code_words(self, image):
        for seg in executable_segments(image, self.board):
            start = (-seg.addr) % 4
            for off in range(start, len(seg.data) - 3, 4):
                yield seg.addr + off, struct.unpack_from(">I", seg.data, off)[0]

    def _at_return(self, kind: str, addr: int) -> None:
        self._returning = (kind, addr)
        self.cpu.stop()

    def _timer_spr(self, pc: int, op: str, spr: int, gpr: int) -> None:
        """Perform a timer mtspr/mfspr on the model and skip the native instruction."""
        m = self.host
        now = m.cycle_at(pc)
        if op == "mtspr":
            self.timers.write(spr, self.cpu.reg(f"r{gpr}"), now)
        else:
            self.cpu.set_reg(f"r{gpr}", self.timers.read(spr, now))
        m.end_block_after(pc)
        self.cpu.set_reg("pc", pc + 4)
        if op == "mtspr":
            m.after_state_change()

    # interrupts ---------------------------------------------------------------------------------
    def requested(self, ivor: int) -> bool:
        """The interrupt's condition holds, masks aside."""
        if ivor == B.CRITICAL_INPUT:
            return self.simctl is not None and self.simctl.critical
        if ivor == B.EXTERNAL_INPUT:
            return self.intc is not None and self.intc.asserted()
        if ivor == B.FIXED_INTERVAL_TIMER:
            return self.timers.fit_pending()
        return ivor == B.DECREMENTER and self.timers.decrementer_pending()

    def next_to_take(self) -> int | None:
        """§4.8: the highest-priority requested interrupt that MSR[CE]/MSR[EE] lets in.
        (MSR is read only once something is requested.)"""
        msr = None
        for ivor in B.ASYNC_PRIORITY:
            if self.requested(ivor):
                if msr is None:
                    msr = self.cpu.reg("msr")
                if not B.masked_by(msr, ivor):
                    return ivor
        return None

    def take_pending(self, return_pc: int) -> bool:
        acted = False
        if self._returning:
            if self._interrupt_return(*self._returning):
                return True
            acted = True
        if self.spaces.take_pending():
            return True
        if self._syscall is not None:
            pc, self._syscall = self._syscall, None
            self._enter(B.SYSTEM_CALL, pc, syndrome=F.Syndrome(B.SYSTEM_CALL, pc, 0))
            return True
        if self._fault_entry is not None:
            pending, self._fault_entry = self._fault_entry, None
            self._take_fault(*pending)
            return True
        ivor = self.next_to_take()
        if ivor is not None:
            self._enter(ivor, self.cpu.reg("pc"))
            return True
        return acted

    def held_by_masks(self) -> bool:
        return any(self.requested(ivor) for ivor in B.ASYNC_PRIORITY)

    def deliverable(self) -> bool:
        return self.next_to_take() is not None

    def wake_pending(self) -> bool:
        return self.deliverable()

    def in_interrupt(self) -> bool:
        """Some interrupt is active (context().in_interrupt without reading MSR)."""
        return bool(self.active)

    def interrupt_state(self) -> tuple:
        """All that context(regs) and preempted_frames() read besides registers (CortexMCore's twin)."""
        return tuple(self.active)

    def context(self, regs=None) -> Context:
        """The current context; MSR from ``regs`` (recorded earlier) if given."""
        masked = not (regs or self.cpu).reg("msr") & B.MSR_EE
        if not self.active:
            return Context(masked=masked)
        top = self.active[-1]
        return Context(top.handler, top.number, len(self.active), tuple(a.handler for a in self.active), masked,
                       top.label)

    def idle_at(self, pc: int) -> bool:
        return False

    # §4.6 interrupt entry --------------------------------------------------------------------------
    def _enter(self, ivor: int, return_pc: int, sprs: dict | None = None,
               syndrome: F.Syndrome | None = None) -> None:
        """Save PC/MSR in SRR0/SRR1 (CSRR0/CSRR1), clear MSR bits, branch to IVPR || IVORn.
        A ``syndrome`` (synchronous interrupts) also loads ESR and DEAR (§4.6.3-§4.6.9)."""
        critical = ivor in B.CRITICAL_CLASS
        msr = self.cpu.reg("msr")
        if syndrome is None:                          # asynchronous: one stub run does it all
            target = self.port.enter(ivor, return_pc, msr, B.entry_msr(msr, critical))
        else:
            target = self._load_syndrome(ivor, return_pc, msr, sprs, syndrome)
            self.cpu.regs_write(("msr", "pc"), (B.entry_msr(msr, critical), target))
        m = self.host
        m.charge(self.model.exception_entry)
        source = self.intc.highest() if ivor == B.EXTERNAL_INPUT else None
        number = ivor if source is None else B.EXTERNAL_NUMBER_BASE + source
        active = Active(number, B.interrupt_name(ivor, source), self.acks.handler_name(target, source),
                        critical, return_pc, target, B.interrupt_label(number), source is not None)
        self.active.append(active)
        if len(self.active) > MAX_ACTIVE:      # handlers leaving without rfi/rfci: forget the
            del self.active[0]                 # outermost (Book E keeps no nesting state itself)
        self.max_depth = max(self.max_depth, len(self.active))
        if m.recording():
            r1 = self.cpu.reg("r1")
            m.emit(InterruptEntered(m.now, number, active.name, active.handler, self.context(),
                                    r1, return_pc, False, m.describe(return_pc),
                                    self.model.exception_entry, r1))

    def _load_syndrome(self, ivor: int, return_pc: int, msr: int, sprs: dict | None,
                       syndrome: F.Syndrome) -> int:
        """Load SRR0, SRR1, ESR and DEAR (a synchronous interrupt); return IVPR || IVORn."""
        sprs = sprs or self.port.read_all()
        dear = sprs[B.SPR_DEAR] if syndrome.dear is None else syndrome.dear
        self.port.load_fault(return_pc, msr, syndrome.esr, dear)
        return B.vector(sprs[B.SPR_IVPR], sprs[B.SPR_IVOR0 + ivor])

    # rfi / rfci --------------------------------------------------------------------------------
    def _interrupt_return(self, kind: str, at: int) -> bool:
        """rfi: MSR <- SRR1, PC <- SRR0; rfci: the same from CSRR1/CSRR0.  True when the MSR
        it set selects address space 1 (a fault taken or the run ended: ppc/addrspace.py)."""
        self._returning = None
        critical = kind == "rfci"
        pc = self.port.return_from_interrupt(critical)
        self.host.charge(self.model.exception_exit)
        index = self._innermost(critical)
        if index is not None:                        # None: e.g. rfi used to start user code
            self._exited(self.active.pop(index), pc)
        return self.spaces.after_return(kind, pc, at)

    def _exited(self, done: Active, pc: int) -> None:
        if done.number in B.FAULT_CLASS:
            self.progress.resumed(pc, self.host.now)
        m = self.host
        if m.recording():
            m.emit(InterruptExited(m.now, done.number, done.handler, self.context(), pc, None,
                                   self.cpu.reg("r1")))

    def _innermost(self, critical: bool) -> int | None:
        """Index in ``active`` of the innermost interrupt of the class rfi/rfci returns from."""
        return next((i for i in reversed(range(len(self.active))) if self.active[i].critical == critical),
                    None)

    # engine interrupts and faults --------------------------------------------------------------
    def on_engine_interrupt(self, intno: int) -> None:
        pc = self.cpu.reg("pc")
        if intno == INTR_SYSCALL:
            self._syscall = pc
            self.cpu.stop()
            return
        word = struct.unpack(">I", self.cpu.read((pc - 4) & ~3, 4))[0] if pc >= 4 else 0
        fault = F.engine_fault(intno, pc, word, lambda n: self.cpu.reg(f"r{n}"))
        if fault is None:
            self.host.fault("cpu-exception", pc, f"unhandled CPU exception {intno}")
            return
        self._in_engine_hook = True
        try:
            self.host.fault(fault.kind, fault.pc, fault.message, fault.address)
        finally:
            self._in_engine_hook = False

    def _observe(self, event: Fault) -> None:
        self._fault = event

    exit_value = 0                           # never read: no call returns by exception

    def returns_by_exception(self, ret: int) -> bool:
        """Book E calls always return to code (an ISR's tail call returns through its rfi stub)."""
        return False

    def notes(self) -> list[str]:            # nothing found at run time it cannot model
        return []

    def on_trap(self, pc: int) -> None:
        """Book E arms no block-clock traps (``clock.traps`` stays 0), so this is never due."""
        raise AssertionError(f"block-clock trap at 0x{pc:08x} on a core that sets none")

    def record_fault(self, kind: str) -> tuple[tuple[str, int], ...]:
        """The register dump: r0-r31, PC, MSR, LR, CTR, CR, then SRR0/SRR1/ESR/DEAR as the
        fault's interrupt loads them (faults.interrupt_sprs: computed, not read, as no SPR stub
        can run inside an engine hook)."""
        regs = tuple(zip(F.FAULT_REGS, self.cpu.regs_read(F.FAULT_REGS)))
        return regs + F.interrupt_sprs(kind, *self.host.fault_site, dict(regs)["msr"])

    def enter_fault_handler(self, pc: int) -> bool:
        """Take the fault just reported (the machine's latest Fault event) as its Book E
        interrupt.  Inside an engine hook the SPR stubs cannot run: the core stops the engine
        and enters the handler before the next slice (ending the run then if it must)."""
        fault = self._fault
        syndrome = F.syndrome(fault.kind, pc, fault.address) if fault and fault.pc == pc else None
        if syndrome is None:
            return False
        repeats = self.progress.fault(pc, self.host.cycle_at(pc))
        if self._in_engine_hook:
            self._fault_entry = (syndrome, repeats)
            self.cpu.stop()
            return True
        return self._take_fault(syndrome, repeats)

    def _take_fault(self, syndrome: F.Syndrome, repeats: int) -> bool:
        """Enter IVOR2/3/5/6 for ``syndrome`` unless ``faults.refusal`` objects (then finish)."""
        sprs = self.port.read_all()
        target = B.vector(sprs[B.SPR_IVPR], sprs[B.SPR_IVOR0 + syndrome.ivor])
        region = self.board.region_of(target, 4)
        why = F.refusal(syndrome, target, self.entry, region is not None and "x" in region.perms,
                        self.active, repeats)
        if why is not None:
            fault = self._fault
            self.host.finish("fault", None, f"{fault.kind} at {fault.location}: {fault.message}; "
                                               f"IVOR{syndrome.ivor} handler not entered: {why}")
            return False
        self._enter(syndrome.ivor, syndrome.srr0, sprs, syndrome)
        return True

    def repend_level(self, number: int) -> None:
        """Sources are level-sensitive in the INTC model itself: nothing to re-pend."""
