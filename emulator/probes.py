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
                m.emit(CallReturned(m.cycle_after(pc), call_id, name, m.core.return_value(),
                                    m.core.context()))
                return


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
        """A store into the window; only stack accesses (at or just below SP) count."""
        if addr >= self.machine.cpu.reg("sp") - SP_REACH:
            self._touch(addr, size, self.machine.cpu.reg("pc"), frame=False)

    def frame_pushed(self, addr: int, size: int) -> None:
        """Called by exception entry for the hardware-pushed frame."""
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


def _exited_context(event):
    """The context of the handler that just returned (its chain ends with that handler)."""
    from .events import Context
    chain = event.context.chain + (event.handler,)
    return Context(event.handler, event.number, len(chain), chain, False)
