"""The probes with their hot half in C (blockclock.c: bc_hook_probe, bc_hook_stack_write).

The C hooks record what ``probes.CallProbe`` and ``probes.StackProbe`` would read, and this
module hands the records to those same classes' handlers, so both paths emit the same events
(tests/test_clock.py compares every image's report through both).  Records are drained each
time control passes from the engine to Python (``UnicornCpu.set_python_edges``): Python state
(the active handlers) cannot change between a record and its drain, and events stay in order.
"""
from __future__ import annotations

import ctypes
import struct
from typing import Callable

from ..engine.clock import PROBE_REGS_MAX
from .calls import CallProbe, StackProbe

RECORDS = 1024                     # records between two drains at most
RETURNS = 4096                     # slots of the watched-return-address table (half usable)


class _Record(ctypes.Structure):
    """``struct bc_record`` of blockclock.c, field for field."""

    _fields_ = [("pc", ctypes.c_uint32), ("block_addr", ctypes.c_uint32),
                ("block_size", ctypes.c_uint32), ("pad", ctypes.c_uint32),
                ("block_start", ctypes.c_uint64), ("now", ctypes.c_uint64),
                ("regs", ctypes.c_uint64 * PROBE_REGS_MAX)]


_RECORD = struct.Struct(f"=4I2Q{PROBE_REGS_MAX}Q")     # _Record, to unpack a batch at once
assert _RECORD.size == ctypes.sizeof(_Record)

_DRAIN = ctypes.CFUNCTYPE(ctypes.c_int)
_RET_ADD = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32)
_STACK_SLOW = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)


class NativeHost:
    """One machine's record buffer, its probe sites, and the Python edges."""

    def __init__(self, machine):
        self.machine, self.clock = machine, machine.clock
        self.state, self.address = self.clock.state, ctypes.addressof(self.clock.state)
        self.names = tuple(machine.core.probe_regs)
        self.records = (_Record * RECORDS)()
        self.sites: dict[int, Callable[[tuple], None]] = {}    # address -> its handler(s)
        self.entries: set[int] = set()        # sites with bc_hook_entry_check
        self.returns = (ctypes.c_uint32 * RETURNS)()
        self._ret_add = _RET_ADD(self.clock.function("bc_ret_add"))
        self.stack: StackProbe | None = None
        self.batched: list[CallProbe] = []    # told when a drain (a batch) begins
        self._callbacks = (_DRAIN(self._drain_from_c), _STACK_SLOW(self._stack_slow))
        self._set_up(machine.cpu)

    def _set_up(self, cpu) -> None:
        s = self.state
        s.records, s.rec_cap, s.nregs = ctypes.addressof(self.records), RECORDS, len(self.names)
        for i, name in enumerate(self.names):
            s.reg_ids[i] = cpu.reg_id(name)
        s.reg_read, s.reg_read_batch = cpu.native_reg_readers()
        s.drain, s.stack_slow = (ctypes.cast(cb, ctypes.c_void_p).value for cb in self._callbacks)
        s.rets, s.ret_mask, s.lr_id = ctypes.addressof(self.returns), RETURNS - 1, cpu.reg_id("lr")
        cpu.set_python_edges(self.drain, self.publish)

    def watch_site(self, addr: int, handler, probe: CallProbe) -> None:
        """``handler(record)`` runs for each execution of the instruction at ``addr`` (its
        record: probes.RECORD_HEAD), in a batch begun by ``probe.begin_batch()``."""
        if probe not in self.batched:
            self.batched.append(probe)
        first = self.sites.get(addr)
        if first is None:
            self.machine.cpu.on_native_code(self.clock.function("bc_hook_probe"), self.address,
                                            addr, addr)
        self.sites[addr] = handler if first is None else _both(first, handler)

    def watch_entry(self, addr: int) -> None:
        """Calls entered at ``addr`` are drained at once when their return address is not
        watched yet (``watch_return``): Python must hook it before the call can reach it."""
        if addr not in self.entries:
            self.entries.add(addr)
            self.machine.cpu.on_native_code(self.clock.function("bc_hook_entry_check"),
                                            self.address, addr, addr)

    def watch_return(self, addr: int) -> None:
        """A probe hooked return address ``addr``: entries returning there need no drain."""
        self._ret_add(self.address, addr)    # a full table only costs drains

    def watch_stack(self, probe: StackProbe, lo: int) -> None:
        if self.stack is not None:
            raise ValueError("one native stack probe per machine")
        self.stack = probe
        s = self.state
        cpu = self.machine.cpu
        s.stack_base, s.lowest, s.sp_id = probe.base, probe.top, cpu.reg_id("sp")
        # by write protection, not a memory hook: see bc_hook_stack_prot
        s.watch_lo, s.watch_hi, s.big_endian = lo, probe.top, int(self.machine.spec.big_endian)
        s.prot_lo, s.prot_hi, s.host = cpu.write_protect(lo, probe.top)
        cpu.on_native_write_protected(self.clock.function("bc_hook_stack_prot"), self.address)

    # the Python edges ------------------------------------------------------------------------
    def drain(self) -> None:
        """Hand every record to its site's handlers, oldest first."""
        count = self.state.rec_count
        if not count:
            return
        self.state.rec_count = 0
        for probe in self.batched:
            probe.begin_batch()
        sites = self.sites
        raw = memoryview(self.records).cast("B")[:count * _RECORD.size]
        # probes.RECORD_HEAD; the registers are at most 32 bits wide and zeroed before each
        # read (bc_hook_probe)
        for record in _RECORD.iter_unpack(raw):
            sites[record[0]](record)

    def publish(self) -> None:
        """What the stack hook needs of Python state: whether an interrupt is active."""
        if self.stack is not None:
            self.state.in_interrupt = int(self.machine.core.in_interrupt())

    # called from C -----------------------------------------------------------------------------
    def _drain_from_c(self) -> int:
        return self._guarded(self.drain)

    def _stack_slow(self, addr: int, size: int, value: int) -> int:
        def slow():
            self.drain()
            self.stack._on_write(addr, size, value)
            self.publish()
        return self._guarded(slow)

    def _guarded(self, work) -> int:
        try:
            work()
            return 0
        except BaseException as exc:              # the clock raises it after the slice
            self.clock.fail(exc)
            return 1


def _both(first, second):
    """One site handler running two (a second probe watching the same instruction)."""
    def both(record: tuple) -> None:
        first(record)
        second(record)
    return both


def host_for(machine) -> NativeHost:
    """The machine's NativeHost (kept by its clock, whose C state it shares)."""
    host = machine.clock.probe_host
    if host is None:
        host = machine.clock.probe_host = NativeHost(machine)
    return host


class NativeCallProbe(CallProbe):
    """CallProbe whose sites are recorded by bc_hook_probe; a batch is one drain's records
    (ended early by bc_hook_entry_check at a call whose return address is new)."""

    def __init__(self, machine, names):
        self.host = host_for(machine)
        super().__init__(machine, names)

    def _hook_site(self, addr: int, handler, entry: bool) -> None:
        self.host.watch_site(addr, handler, self)
        if entry:
            self.host.watch_entry(addr)

    def _watch_return(self, ret: int) -> None:
        super()._watch_return(ret)
        self.host.watch_return(ret)


class NativeStackProbe(StackProbe):
    """StackProbe whose common case (an interrupt-time write above the base) runs in C."""

    def _install(self, lo: int) -> None:
        self.host = host_for(self.machine)
        self.host.watch_stack(self, lo)

    @property
    def lowest(self) -> int:
        return self.host.state.lowest

    @lowest.setter
    def lowest(self, value: int) -> None:
        self.host.state.lowest = value


def call_probe(machine, names) -> CallProbe:
    """The call probe for ``machine``: native with the native block clock, else Python."""
    cls = NativeCallProbe if machine.clock.kind == "native" else CallProbe
    return cls(machine, names)


def stack_probe(machine, name: str, base: int, top: int) -> StackProbe:
    cls = NativeStackProbe if machine.clock.kind == "native" else StackProbe
    return cls(machine, name, base, top)
