"""Range-limited probes that turn firmware activity into detector events.

Call probes hook only the entry address and the return instructions of watched functions;
the stack probe hooks only writes into one stack's window and its guard region below it.
Nothing here runs per executed instruction of unwatched code.
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Callable, NamedTuple

from .blockpos import RecordCycles, offset_after, offset_at
from .events import CallEntered, CallReturned, Context, InterruptExited, StackSample, StackWrite

GUARD = 0x1000                     # bytes below a watched stack's base that count as overflow
SP_REACH = 128                     # a push writes at most this far below SP (16 words, VPUSH 32)

# PowerPC store-with-update forms (EREF 2.0 / Book E: stbu, sthu, stwu, stfsu, stfdu and their
# indexed X-forms): EA = (rA) + d or (rA) + (rB), MEM(EA) <- (rS), then rA <- EA.  With rA = r1
# the store writes the new stack pointer's word (the EABI back chain of a frame allocated with
# ``stwu r1, -N(r1)`` / ``stwux r1, r1, rN``) while the write hook still sees the old r1, N bytes
# above it: however large the frame, it is a stack write.
_PPC_UPDATE_STORES = (37, 39, 45, 53, 55)              # primary opcodes
_PPC_UPDATE_STORES_X = (183, 247, 439, 695, 759)       # opcode 31 extended opcodes


# A probed instruction's record: (pc, block_addr, block_size, 0, block_start, now, *registers),
# the registers in the core's ``probe_regs`` order.  It is blockclock.c's struct bc_record, so
# native records reach the handlers as unpacked; the Python probe builds the same tuple.
RECORD_HEAD = 6


class RegisterLayout:
    """Where each probe register sits in a record (after RECORD_HEAD, in ``probe_regs`` order)."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names
        self.index = {name: RECORD_HEAD + i for i, name in enumerate(names)}
        self._getters: dict[tuple[str, ...], operator.itemgetter] = {}

    def getter(self, names: tuple[str, ...]):
        """A function from a record's values to the tuple of ``names``' values."""
        found = self._getters.get(names)
        if found is None:
            positions = [self.index[name] for name in names]
            found = operator.itemgetter(*positions) if len(positions) > 1 else (
                lambda values, i=positions[0]: (values[i],))
            self._getters[names] = found
        return found


class RegisterSnapshot:
    """The probe registers at a probed instruction, read like the CPU (``reg``/``regs_read``)."""

    __slots__ = ("layout", "values")

    def __init__(self, layout: RegisterLayout, values):
        self.layout, self.values = layout, values

    def reg(self, name: str) -> int:
        return self.values[self.layout.index[name]]

    def regs_read(self, names) -> tuple[int, ...]:
        return self.layout.getter(names)(self.values)


class ProbeReads(NamedTuple):
    """How a call probe reads the probe registers in a site's record (their positions given by
    ``RegisterLayout.index``); each core builds one for a layout (``core.probe_reads(index)``)."""

    arguments: Callable[[tuple], tuple[int, ...]]      # at the entry: the ABI arguments
    return_address: Callable[[tuple], int]             # at the entry: where the call returns
    return_value: Callable[[tuple], int]               # at a return instruction
    return_test: Callable[[int], Callable[[tuple], bool] | None]
    # ^ for a return site: a test of whether it returns, or None for an unconditional return


class CallProbe:
    """Emits CallEntered/CallReturned for each watched function (by symbol name).

    Each site (entry, return instruction) calls its handler with the instruction's record
    (RECORD_HEAD: where it is, when its block began, and the probe registers, read through
    ``ProbeReads``).
    Sites run in batches (here: one hook call; emulator/nativeprobes.py: the records made in
    C between two Python edges) during which Python state cannot change.  The context (a
    function of that state and the mask registers) and the caller (of that state and the
    return address) are worked out once per key while ``core.interrupt_state()`` stays the
    same, and for good in thread mode, where they depend on the registers alone.
    """

    def __init__(self, machine, names):
        self.machine, self.core = machine, machine.core
        self.layout = RegisterLayout(tuple(machine.core.probe_regs))
        self.reads: ProbeReads = machine.core.probe_reads(self.layout.index)
        self._arguments, self._return_address, self._return_value = self.reads[:3]
        self._entry_cycles = RecordCycles(machine.clock.costs, offset_at)
        self._return_cycles = RecordCycles(machine.clock.costs, _return_offset)
        self._context_key = self.layout.getter(tuple(machine.core.context_regs))
        self._sp = self.layout.index["sp"]
        self._thread_memo: tuple[dict, dict] = ({}, {})     # (callers, contexts) in thread mode
        self._callers, self._contexts = self._thread_memo
        self._state = machine.core.interrupt_state()           # what the memos hold answers for
        self._preempted: tuple[str, ...] = ()                  # core.preempted_frames() in it
        self._call_sites: dict[int, tuple[int, str]] = {}      # return address -> call site
        self._emit_entered = self._emit_returned = machine.emit
        self.next_id = 0
        self.open: list[tuple[int, str, int]] = []         # (call_id, function, return address)
        for name in names:
            self._watch(name)

    def _watch(self, name: str) -> None:
        m = self.machine
        entry = m.symbol(name)
        self._hook_site(entry, partial(self._entered, name))
        for ret in m.core.return_sites(entry, m.image.symbols.by_name[name].size):
            self._hook_site(ret, partial(self._returning, name, self.reads.return_test(ret)))

    def _hook_site(self, addr: int, handler) -> None:
        m, names = self.machine, self.layout.names

        def site(pc: int, size: int) -> None:
            self.begin_batch()
            clock = m.clock
            block = clock.block
            at = (block.addr, block.fallthrough - block.addr) if block is not None else (0, 0)
            handler((pc, *at, 0, clock.block_start, clock.now, *m.cpu.regs_read(names)))
        m.cpu.on_code(site, addr, addr)

    def begin_batch(self) -> None:
        """Python state may have changed since the last batch: choose the memos to use (and
        the emit functions, which change only when a sink subscribes)."""
        state = self.core.interrupt_state()
        if state != self._state:
            self._state = state
            self._preempted = self.core.preempted_frames()
            self._callers, self._contexts = ({}, {}) if self.core.in_interrupt() else self._thread_memo
        emitters = self.machine.emitters
        self._emit_entered, self._emit_returned = emitters[CallEntered], emitters[CallReturned]

    # The two handlers below run for every probed instruction: memo hits are inlined.
    def _entered(self, name: str, record: tuple) -> None:
        ret = self._return_address(record)
        self.next_id = call_id = self.next_id + 1
        self.open.append((call_id, name, ret))
        call_pc, call_site, backtrace = self._callers.get(ret) or self._caller(ret)
        offset = self._entry_cycles[record[:3]]
        self._emit_entered(CallEntered(
            record[5] if offset is None else record[4] + offset, call_id, name,
            self._arguments(record), ret, call_site, record[self._sp],
            self._contexts.get(self._context_key(record)) or self._context(record),
            backtrace, call_pc))

    def _returning(self, name: str, taken, record: tuple) -> None:
        if taken is not None and not taken(record):
            return
        open_calls = self.open
        for i in range(len(open_calls) - 1, -1, -1):
            call_id, fn, _ = open_calls[i]
            if fn == name:
                del open_calls[i]
                offset = self._return_cycles[record[:3]]
                self._emit_returned(CallReturned(
                    record[5] if offset is None else record[4] + offset, call_id, name,
                    self._return_value(record),
                    self._contexts.get(self._context_key(record)) or self._context(record)))
                return

    def _caller(self, ret: int) -> tuple[int, str, tuple[str, ...]]:
        """The calling instruction, its 'symbol+0xoff', and the backtrace from it: the call
        site, then the code each active handler preempted (innermost first)."""
        site = self._call_sites.get(ret)
        if site is None:
            call_pc = self.core.call_site(ret)
            site = self._call_sites[ret] = (call_pc, self.machine.describe(call_pc))
        found = self._callers[ret] = (*site, (site[1],) + self._preempted)
        return found

    def _context(self, record: tuple):
        key = self._context_key(record)
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = self.core.context(RegisterSnapshot(self.layout, record))
        return found


def _return_offset(block, pc: int) -> int | None:
    """When the caller resumes: after the return instruction at ``pc``, refill included.

    An unconditional return's 1+P is part of its block's static cost, but the clock charges
    a conditional branch's P to the next block when it was taken (cyclemodel), which for a
    taken conditional return (PPC ``beqlr``, Thumb ``bxeq lr``) is the caller's: add it here
    so both kinds of return end the call at the same point.
    """
    after = offset_after(block, pc)
    if after is None:
        return None
    return after + (block.penalty if pc + block.sizes[pc] not in block.before else 0)


class StackProbe:
    """Watches one stack: writes below its base while interrupts use it, and its deepest use."""

    def __init__(self, machine, name: str, base: int, top: int):
        self.machine, self.name, self.base, self.top = machine, name, base, top
        self.reported: set = set()
        self._exited: dict[tuple, Context] = {}     # (handler, number, chain returned to) -> its context
        self._install(max(0, base - GUARD))
        self.lowest = top
        machine.stack_watchers.append(self)
        machine.subscribe(self._on_exited, InterruptExited)

    def _install(self, lo: int) -> None:
        self.machine.cpu.on_write(lo, self.top - 1, self._on_write)

    def _on_write(self, addr: int, size: int, value: int) -> None:
        """A store into the window; only stack accesses (at or just below SP, or a store that
        moves SP down to its own address) count."""
        cpu = self.machine.cpu
        pc = self.machine.position.access_pc(addr)
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
        nested = self.machine.core.in_interrupt()
        if not (nested or self.base < addr + size <= self.top):
            return
        if addr < self.top and addr + size > self.base - GUARD:
            self._touch(addr, size, self.machine.cpu.reg("pc"), frame=True)

    def _touch(self, addr: int, size: int, pc: int, frame: bool) -> None:
        m = self.machine
        if not (frame or m.core.in_interrupt()):     # a frame pushed here starts an interrupt
            return
        if addr < self.lowest:
            self.lowest = addr
        if addr < self.base and (pc, frame) not in self.reported:
            self.reported.add((pc, frame))
            m.emit(StackWrite(m.position.cycle_at(pc), self.name, self.base, self.top, addr, size, pc,
                              m.describe(pc), m.cpu.reg("sp"), m.core.context(),
                              by_exception_frame=frame))

    def _on_exited(self, event: InterruptExited) -> None:
        if self.lowest < self.top:
            ctx = event.context
            key = (event.handler, event.number, ctx.chain)
            exited = self._exited.get(key) or self._exited.setdefault(key, _exited_context(event))
            self.machine.emit(StackSample(event.cycle, self.name, self.base, self.top, self.lowest,
                                          exited))
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
    chain = event.context.chain + (event.handler,)
    return Context(event.handler, event.number, len(chain), chain, False)
