"""Range-limited probes that turn firmware activity into detector events.

Call probes hook only the entry addresses of watched functions and the return addresses
their calls bring; the stack probe hooks only writes into one stack's window and its guard
region below it.
Nothing here runs per executed instruction of unwatched code.
"""
from __future__ import annotations

import operator
from typing import Callable, NamedTuple, Sequence

from ..arch.ports import ProbeReads
from ..engine.blockpos import RecordCycles, offset_at
from ..events import (CallAbandoned, CallEntered, CallReturned, Context, InterruptEntered,
                     InterruptExited, RunEnded, StackSample, StackWrite)
from .opencalls import OpenCall, OpenCalls, Threads

GUARD = 0x1000                     # bytes below a watched stack's base that count as overflow
SP_REACH = 128                     # a push writes at most this far below SP (16 words, VPUSH 32)

# PowerPC store-with-update forms (EREF 2.0 / Book E: stbu, sthu, stwu, stfsu, stfdu and their
# indexed X-forms): EA = (rA) + d or (rA) + (rB), MEM(EA) <- (rS), then rA <- EA.  With rA = r1
# the store writes the new stack pointer's word (the EABI back chain of a frame allocated with
# ``stwu r1, -N(r1)`` / ``stwux r1, r1, rN``) while the write hook still sees the old r1, N bytes
# above it: however large the frame, it is a stack write.
_PPC_UPDATE_STORES = (37, 39, 45, 53, 55)              # primary opcodes
_PPC_UPDATE_STORES_X = (183, 247, 439, 695, 759)       # opcode 31 extended opcodes

_new = tuple.__new__               # a NamedTuple from a tuple of all its fields, in C


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


class CallProbe:
    """Emits CallEntered, CallReturned and CallAbandoned for each watched function (by name).

    Sites are the watched functions' entries and the return addresses their calls were
    entered with, each hooked the first time a call brings it (its translated block dropped,
    cpu.forget_code, so the hook takes effect).  A call ends when its return address starts
    with SP back at the entry's level (emulator/probes/opencalls.py), the cycle the caller resumes:
    the same for a function's own return, a tail-called function's, or a conditional return
    (whose taken-branch penalty the clock charges to the block at the return address).
    An interrupt taken just before the return address ends the call at the entry's start.
    An entry calls ``_at_entry``, a return address ``_at_return``, with the instruction's
    record (RECORD_HEAD: where it is, when its block began, and the probe registers, read
    through ``ProbeReads``).
    Sites run in batches (here: one hook call; emulator/probes/native.py: the records made in
    C between two Python edges) during which Python state cannot change.  The context (a
    function of that state and the mask registers) and the caller (of that state and the
    return address) are worked out once per key while ``core.interrupt_state()`` stays the
    same, and for good in thread mode, where they depend on the registers alone.
    """

    def __init__(self, machine, names):
        self.machine, self.core = machine, machine.core
        self.layout = RegisterLayout(tuple(machine.core.probe_regs))
        self.reads: ProbeReads = machine.core.probe_reads(self.layout.index)
        self._arguments, self._return_address, self._return_value = self.reads
        self._cycles = RecordCycles(machine.clock.costs, offset_at)
        self._context_key = self.layout.getter(tuple(machine.core.context_regs))
        self._sp = self.layout.index["sp"]
        self._thread_memo: tuple[dict, dict] = ({}, {})     # (callers, contexts) in thread mode
        self._callers, self._contexts = self._thread_memo
        self._state = machine.core.interrupt_state()           # what the memos hold answers for
        self._preempted: tuple[str, ...] = ()                  # core.preempted_frames() in it
        self._call_sites: dict[int, tuple[int, str]] = {}      # return address -> call site
        self._emit_entered = self._emit_returned = machine.emit
        self.next_id = 0
        self.calls, self.threads = OpenCalls(), Threads()
        self._entries: dict[int, str] = {}                     # entry address -> function
        self._returns: set[int] = set()                        # return addresses seen
        self._hooked: set[int] = set()
        for name in names:
            self._watch(name)
        machine.subscribe(self._on_interrupt_entered, InterruptEntered)
        machine.subscribe(self._on_interrupt_exited, InterruptExited)
        machine.subscribe(self._on_run_ended, RunEnded)

    @property
    def open(self) -> list[OpenCall]:
        """The calls in progress, oldest first."""
        return self.calls.calls

    def _watch(self, name: str) -> None:
        """Hook a watched function's entry once, whatever names it has (newlib's printf and
        iprintf are one function): the first name watched is the one its calls carry."""
        entry = self.machine.symbol(name)
        if entry in self._entries:
            return
        self._entries[entry] = name
        self._hooked.add(entry)
        self._hook_site(entry, self._at_entry, entry=True)

    def _watch_return(self, ret: int) -> None:
        """An entry hooked already handles a return address there too (``_at_entry``)."""
        self._returns.add(ret)
        if ret not in self._hooked:
            self._hooked.add(ret)
            self._hook_site(ret, self._at_return, entry=False)
            self.machine.cpu.forget_code(ret, ret + 1)

    def _hook_site(self, addr: int, handler, entry: bool) -> None:
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

    # The handlers below run for every probed instruction: memo hits are inlined, and events
    # are made with tuple.__new__ (the same NamedTuple, without its Python-level __new__).
    def _at_entry(self, record: tuple) -> None:
        """A watched function's entry, after the calls ending there if it is also a return
        address (a call may end where another begins)."""
        pc, open_calls = record[0], self.calls.calls
        if open_calls and pc in self._returns:
            self._at_return(record)
        ret, sp = self._return_address(record), record[self._sp]
        context = self._contexts.get(self._context_key(record)) or self._context(record)
        offset = self._cycles[record[:3]]
        cycle = record[5] if offset is None else record[4] + offset
        level = (self.threads.current, context.depth)
        if open_calls and (len(open_calls) > 1 or open_calls[0].sp < sp):    # else none is unwound
            unwound = self.calls.ending(None, sp, level)[0]
            if unwound:
                self._abandon(unwound, cycle, context, "stack-unwound")
        self.next_id = call_id = self.next_id + 1
        name = self._entries[pc]
        open_calls.append(_new(OpenCall, (call_id, name, ret, sp, level, context)))
        if ret not in self._returns and not self.core.returns_by_exception(ret):
            self._watch_return(ret)
        call_pc, call_site, backtrace = self._callers.get(ret) or self._caller(ret)
        self._emit_entered(_new(CallEntered, (cycle, call_id, name, self._arguments(record), ret,
                                              call_site, sp, context, backtrace, call_pc)))

    def _at_return(self, record: tuple) -> None:
        """A return address: the calls of this level that end here, and those it unwound."""
        calls = self.calls.calls
        if not calls:
            return
        sp = record[self._sp]
        context = self._contexts.get(self._context_key(record)) or self._context(record)
        level = (self.threads.current, context.depth)
        only = calls[0] if len(calls) == 1 else None
        if only is not None and only.sp == sp and only.ret == record[0] and only.level == level:
            unwound, returned = (), (calls.pop(),)      # the common case, as ending() finds it
        else:
            unwound, returned = self.calls.ending(record[0], sp, level)
            if not (unwound or returned):
                return
        offset = self._cycles[record[:3]]
        cycle = record[5] if offset is None else record[4] + offset
        if unwound:
            self._abandon(unwound, cycle, context, "stack-unwound")
        for call in returned:
            self._emit_returned(_new(CallReturned, (cycle, call.call_id, call.function,
                                                    self._return_value(record), context)))

    def _abandon(self, calls: Sequence[OpenCall], cycle: int, context: Context, reason: str) -> None:
        for call in calls:
            self.machine.emit(CallAbandoned(cycle, call.call_id, call.function, reason, context))

    # interrupts: thread identity, handlers that returned, returns cut short by an interrupt
    def _on_interrupt_entered(self, event: InterruptEntered) -> None:
        depth = event.context.depth
        self.threads.entered(depth, event.tail_chained, event.preempted_sp)
        if event.tail_chained or not self.calls.calls:
            return
        level = (self.threads.current, depth - 1)
        done = self.calls.returned(event.preempted_pc, event.preempted_sp, level)
        for call in done:       # before the instruction at the return address began
            self.machine.emit(CallReturned(event.cycle - event.entry_cycles, call.call_id,
                                           call.function, self.core.return_value(), call.context))

    def _on_interrupt_exited(self, event: InterruptExited) -> None:
        depth = event.context.depth
        self.threads.exited(depth, event.tail_chained_to is not None, event.sp)
        if not self.calls.calls:
            return
        left = self.calls.left(depth)
        by_exception = self.core.returns_by_exception
        for call in (c for c in left if by_exception(c.ret)):     # a handler's tail call
            self.machine.emit(CallReturned(event.cycle, call.call_id, call.function,
                                           self.core.exit_value, call.context))
        self._abandon([c for c in left if not by_exception(c.ret)], event.cycle, event.context,
                      "interrupt-exit")

    def _on_run_ended(self, event: RunEnded) -> None:
        """A run stopped at a return address (Machine.call's ``until``) ends the calls there:
        the instruction at it never starts, so its hook never runs."""
        if not self.calls.calls:
            return
        core, cpu, clock = self.core, self.machine.cpu, self.machine.clock
        context, pc = core.context(), cpu.reg("pc") & ~1
        level = (self.threads.current, context.depth)
        # the taken-branch penalty the next block would have been charged (clock.py)
        cycle = event.cycle + (clock.penalty if pc != clock.fallthrough else 0)
        for call in self.calls.returned(pc, cpu.reg("sp"), level):
            self.machine.emit(CallReturned(cycle, call.call_id, call.function,
                                           core.return_value(), context))

    def _caller(self, ret: int) -> tuple[int, str, tuple[str, ...]]:
        """The calling instruction, its 'symbol+0xoff', and the backtrace from it: the call
        site, then the code each active handler preempted (innermost first)."""
        site = self._call_sites.get(ret)
        if site is None and self.core.returns_by_exception(ret):     # no calling instruction
            site = self._call_sites[ret] = (None, f"exception return 0x{ret | 1:08x} "
                                                  "(a handler's tail call)")
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
        if not self.machine.spec.frame_on_store_update:
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
