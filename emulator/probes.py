"""Range-limited probes that turn firmware activity into detector events.

Call probes hook only the entry address and the return instructions of watched functions;
the stack probe hooks only writes into one stack's window and its guard region below it.
Nothing here runs per executed instruction of unwatched code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .events import CallEntered, CallReturned, StackSample, StackWrite

GUARD = 0x1000                     # bytes below a watched stack's base that count as overflow
SP_REACH = 128                     # a push writes at most this far below SP (16 words, VPUSH 32)

# PowerPC store-with-update forms (EREF 2.0 / Book E: stbu, sthu, stwu, stfsu, stfdu and their
# indexed X-forms): EA = (rA) + d or (rA) + (rB), MEM(EA) <- (rS), then rA <- EA.  With rA = r1
# the store writes the new stack pointer's word (the EABI back chain of a frame allocated with
# ``stwu r1, -N(r1)`` / ``stwux r1, r1, rN``) while the write hook still sees the old r1, N bytes
# above it: however large the frame, it is a stack write.
_PPC_UPDATE_STORES = (37, 39, 45, 53, 55)              # primary opcodes
_PPC_UPDATE_STORES_X = (183, 247, 439, 695, 759)       # opcode 31 extended opcodes


class CallProbe:
    """Emits CallEntered/CallReturned for each watched function (by symbol name)."""

    def __init__(self, machine, names):
        self.machine = machine
        self.next_id = 0
        self.open: list[tuple[int, str, int]] = []         # (call_id, function, return address)
        for name in names:
            self._watch(name)

    def _watch(self, name: str) -> None:
        m = self.machine
        entry = m.symbol(name)
        m.cpu.on_code(lambda addr, size, n=name: self._entered(n), entry, entry)
        for ret in m.core.return_sites(entry, m.image.symbols.by_name[name].size):
            m.cpu.on_code(lambda addr, size, n=name: self._returning(n, addr), ret, ret)

    def _entered(self, name: str) -> None:
        m, core = self.machine, self.machine.core
        pc = m.cpu.reg("pc")
        ret = core.return_address()
        self.next_id += 1
        self.open.append((self.next_id, name, ret))
        call_pc = core.call_site(ret)
        m.emit(CallEntered(m.cycle_at(pc), self.next_id, name, core.arguments(), ret,
                           m.describe(call_pc), m.cpu.reg("sp"), core.context(),
                           core.backtrace(ret), call_pc))

    def _returning(self, name: str, pc: int) -> None:
        m = self.machine
        if not m.core.return_taken(pc):
            return
        for i in range(len(self.open) - 1, -1, -1):
            call_id, fn, _ = self.open[i]
            if fn == name:
                del self.open[i]
                m.emit(CallReturned(self._return_cycle(pc), call_id, name, m.core.return_value(),
                                    m.core.context()))
                return

    def _return_cycle(self, pc: int) -> int:
        """When the caller resumes: after the return instruction at ``pc``, refill included.

        An unconditional return's 1+P is part of its block's static cost, but the clock charges
        a conditional branch's P to the next block when it was taken (cyclemodel), which for a
        taken conditional return (PPC ``beqlr``, Thumb ``bxeq lr``) is the caller's: add it here
        so both kinds of return end the call at the same point.
        """
        m = self.machine
        block = m.clock.block
        last = block is not None and pc in block.before and pc + block.sizes[pc] not in block.before
        return m.cycle_after(pc) + (block.penalty if last else 0)


@dataclass
class StackProbe:
    """Watches one stack: writes below its base while interrupts use it, and its deepest use."""

    machine: object
    name: str
    base: int
    top: int
    lowest: int = field(init=False)
    reported: set = field(default_factory=set, init=False)

    def __post_init__(self):
        self.lowest = self.top
        lo = max(0, self.base - GUARD)
        self.machine.cpu.on_write(lo, self.top - 1, self._on_write)
        self.machine.stack_watchers.append(self)
        self.machine.subscribe(self._on_event)

    def _on_write(self, addr: int, size: int, value: int) -> None:
        """A store into the window; only stack accesses (at or just below SP, or a store that
        moves SP down to its own address) count."""
        cpu = self.machine.cpu
        pc = self.machine.access_pc(addr)
        if addr >= cpu.reg("sp") - SP_REACH or self._allocates_frame(pc):
            self._touch(addr, size, pc, frame=False)

    def _allocates_frame(self, pc: int) -> bool:
        """Whether the store at ``pc`` also sets SP to the address it writes (PowerPC r1 update)."""
        if self.machine.core.arch != "ppc-booke":
            return False
        return ppc_updates_r1(int.from_bytes(self.machine.cpu.read(pc, 4), "big"))

    def frame_pushed(self, addr: int, size: int) -> None:
        """Called by exception entry for the hardware-pushed frame.  It is this stack's use if
        it nests (handlers run on this stack) or if the interrupted SP was inside the stack; a
        frame pushed from a thread stack that merely lies below the base is not."""
        nested = self.machine.core.context().in_interrupt
        if not (nested or self.base < addr + size <= self.top):
            return
        if addr < self.top and addr + size > self.base - GUARD:
            self._touch(addr, size, self.machine.cpu.reg("pc"), frame=True)

    def _touch(self, addr: int, size: int, pc: int, frame: bool) -> None:
        m = self.machine
        ctx = m.core.context()
        if not (ctx.in_interrupt or frame):          # a frame pushed here starts an interrupt
            return
        self.lowest = min(self.lowest, addr)
        if addr < self.base and (pc, frame) not in self.reported:
            self.reported.add((pc, frame))
            m.emit(StackWrite(m.cycle_at(pc), self.name, self.base, self.top, addr, size, pc,
                              m.describe(pc), m.cpu.reg("sp"), ctx, by_exception_frame=frame))

    def _on_event(self, event) -> None:
        from .events import InterruptExited
        if isinstance(event, InterruptExited) and self.lowest < self.top:
            m = self.machine
            ctx = event.context
            m.emit(StackSample(event.cycle, self.name, self.base, self.top, self.lowest,
                               _exited_context(event)))
            if not ctx.in_interrupt:
                self.lowest = self.top


def ppc_updates_r1(word: int) -> bool:
    """A PowerPC store with update whose base register rA is r1 (see _PPC_UPDATE_STORES)."""
    if (word >> 16) & 0x1F != 1:
        return False
    op = word >> 26
    return op in _PPC_UPDATE_STORES or (op == 31 and (word >> 1) & 0x3FF in _PPC_UPDATE_STORES_X)


def _exited_context(event):
    """The context of the handler that just returned (its chain ends with that handler)."""
    from .events import Context
    chain = event.context.chain + (event.handler,)
    return Context(event.handler, event.number, len(chain), chain, False)
