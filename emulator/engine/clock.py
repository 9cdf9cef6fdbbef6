"""The block clock: charges every executed block its cycle-model cost and stops at deadlines.

Two implementations with one surface and the same steps (DESIGN §3, the time model):

* ``NativeClock`` — the hot path in C (``emulator/engine/native/blockclock.c``), registered with
  Unicorn's ``uc_hook_add`` directly, so no Python runs per executed block; Python is called
  only the first time a block runs (to cost it) and, while an interrupt is held by a mask,
  to ask whether it became deliverable.
* ``PyClock`` — the same steps in Python, used when the helper is not built or when
  ``FWSANDBOX_CLOCK=python``.  Both give bit-identical cycle counts (tests/test_clock.py).

Per block: every WALL_POLL blocks the wall clock is read and past ``wall_deadline_ns`` the
engine stops as ``timeout`` (Unicorn's own emu_start timeout starts a thread per call, 150 us);
a pending taken-branch penalty is charged if the block is not the fall-through;
at or past the deadline (next timer event or the cycle budget), or when an interrupt held by
a mask became deliverable, the engine stops before the block; a ``b .`` block stops as
``spin``; a block whose trap flags (FLAG_FP: an FP instruction, FLAG_SYSREG: an MRS/MSR of
CONTROL) meet ``traps`` stops as ``trap`` (emulator/arch/arm/fpu.py); otherwise the block's static
cost and instruction count are added.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import time
from typing import Callable

NO_UNTIL = 0xFFFFFFFF
STOPS = {0: False, 1: "deadline", 2: "spin", 3: "error", 4: "timeout", 5: "trap"}   # bc_state.stopped
STOP_CODES = {why: code for code, why in STOPS.items()}
WALL_POLL = 1024                    # blocks between two looks at the wall clock
PROBE_REGS_MAX = 12                 # registers a native probe record holds (blockclock.c)
FLAG_SPIN, FLAG_FP, FLAG_SYSREG = 1, 2, 4    # bc_entry.flags; the last two can trap


class BlockCosts:
    """Costs of translated blocks by (address, size), computed once from the code bytes."""

    def __init__(self, model, read: Callable[[int, int], bytes], spin_code: bytes):
        self.model, self.read, self.spin_code = model, read, spin_code
        self.costs: dict = {}
        self.spins: set[int] = set()
        self.fp_sites: dict[int, int] = {}      # block address -> its first FP instruction
        self.sysreg_sites: dict[int, int] = {}  # block address -> its first MRS/MSR CONTROL

    def decode(self, addr: int, size: int):
        code = self.read(addr, size)
        cost = self.model.block(code, addr)
        self.costs[(addr, size)] = cost
        if code == self.spin_code:
            self.spins.add(addr)
        _note_site(self.fp_sites, addr, cost.fp_first)
        _note_site(self.sysreg_sites, addr, cost.sysreg_first)
        if time.monotonic_ns() >= self.wall_deadline_ns:
            self.polls = WALL_POLL          # decoding is slow (ms a block): the next block
        return cost                         # looks at the wall clock and stops as 'timeout'

    @staticmethod
    def flags(cost) -> int:
        """The trap flags of a block's cost (FLAG_FP, FLAG_SYSREG)."""
        return (FLAG_FP if cost.fp_first is not None else 0) | (
            FLAG_SYSREG if cost.sysreg_first is not None else 0)


def _note_site(sites: dict[int, int], block: int, site: int | None) -> None:
    """Remember a block's first trap site (blocks at one address may differ in size)."""
    if site is not None:
        sites[block] = min(site, sites.get(block, site))


class PyClock(BlockCosts):
    """The block clock as a Python UC_HOOK_BLOCK callback (the portable fallback)."""

    kind = "python"

    def __init__(self, model, read, spin_code):
        super().__init__(model, read, spin_code)
        self.now = self.instructions = self.deadline = self.block_start = 0
        self.until, self.penalty, self.fallthrough = NO_UNTIL, 0, 0
        self.attention, self.stopped, self.block = False, False, None
        self.traps = 0
        self.wall_deadline_ns, self.polls = 1 << 63, 0
        self.deliverable: Callable[[], bool] = lambda: False
        self._stop = lambda: None

    def install(self, cpu) -> None:
        self._stop = cpu.stop
        cpu.on_block(self.on_block)

    def on_block(self, addr: int, size: int) -> None:
        self.polls += 1
        if self.polls >= WALL_POLL:
            self.polls = 0
            if time.monotonic_ns() >= self.wall_deadline_ns:
                self.stopped = "timeout"
                self._stop()
                return
        if self.penalty:
            if addr != self.fallthrough:
                self.now += self.penalty
            self.penalty = 0
        if self.now >= self.deadline or (self.attention and self.deliverable()):
            self.stopped = "deadline"
            self._stop()
            return
        if addr == self.until:
            return
        cost = self.costs.get((addr, size)) or self.decode(addr, size)
        if addr in self.spins:
            self.stopped = "spin"
            self._stop()
            return
        if self.traps and self.flags(cost) & self.traps:
            self.stopped = "trap"
            self._stop()
            return
        self.block, self.block_start = cost, self.now
        self.now += cost.total
        self.instructions += cost.count
        if cost.penalty:
            self.penalty, self.fallthrough = cost.penalty, cost.fallthrough


class _State(ctypes.Structure):
    """``struct bc_state`` of blockclock.c, field for field."""

    _fields_ = [("now", ctypes.c_uint64), ("instructions", ctypes.c_uint64),
                ("deadline", ctypes.c_uint64), ("block_start", ctypes.c_uint64),
                ("wall_deadline_ns", ctypes.c_uint64),
                ("until", ctypes.c_uint32), ("penalty", ctypes.c_uint32),
                ("fallthrough", ctypes.c_uint32), ("attention", ctypes.c_uint32),
                ("muted", ctypes.c_uint32), ("stopped_code", ctypes.c_uint32),
                ("block_addr", ctypes.c_uint32), ("block_size", ctypes.c_uint32),
                ("uc", ctypes.c_void_p), ("emu_stop", ctypes.c_void_p),
                ("miss", ctypes.c_void_p), ("deliverable_fn", ctypes.c_void_p),
                ("table", ctypes.c_void_p), ("mask", ctypes.c_uint32), ("used", ctypes.c_uint32),
                ("polls", ctypes.c_uint32), ("pad", ctypes.c_uint32),
                # native probes (emulator/probes/native.py)
                ("reg_read_batch", ctypes.c_void_p), ("drain", ctypes.c_void_p),
                ("records", ctypes.c_void_p), ("rec_count", ctypes.c_uint32),
                ("rec_cap", ctypes.c_uint32), ("nregs", ctypes.c_uint32), ("pad2", ctypes.c_uint32),
                ("reg_ids", ctypes.c_int * PROBE_REGS_MAX),
                ("reg_read", ctypes.c_void_p), ("stack_slow", ctypes.c_void_p),
                ("stack_base", ctypes.c_uint32), ("lowest", ctypes.c_uint32),
                ("in_interrupt", ctypes.c_uint32), ("sp_id", ctypes.c_uint32),
                ("traps", ctypes.c_uint32), ("pad3", ctypes.c_uint32),
                # watched return addresses (emulator/probes/native.py, bc_hook_entry_check)
                ("rets", ctypes.c_void_p), ("ret_mask", ctypes.c_uint32), ("lr_id", ctypes.c_uint32),
                # the stack watch by write protection (bc_hook_stack_prot)
                ("host", ctypes.c_void_p), ("prot_lo", ctypes.c_uint32),
                ("prot_hi", ctypes.c_uint32), ("watch_lo", ctypes.c_uint32),
                ("watch_hi", ctypes.c_uint32), ("big_endian", ctypes.c_uint32),
                ("pad4", ctypes.c_uint32),
                ("cache", ctypes.c_void_p)]           # bc_insert allocates it


_MISS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32)
_DELIVERABLE = ctypes.CFUNCTYPE(ctypes.c_int)


def _state_property(name: str, convert=int):
    return property(lambda self: convert(getattr(self._s, name)),
                    lambda self, value: setattr(self._s, name, value))


class NativeClock(BlockCosts):
    """The block clock in C: the same steps as PyClock.on_block, no Python per block."""

    kind = "native"
    now = _state_property("now")
    instructions = _state_property("instructions")
    deadline = _state_property("deadline")
    block_start = _state_property("block_start")
    until = _state_property("until")
    penalty = _state_property("penalty")
    fallthrough = _state_property("fallthrough")
    attention = _state_property("attention", bool)
    traps = _state_property("traps")
    wall_deadline_ns = _state_property("wall_deadline_ns")
    polls = _state_property("polls")

    def __init__(self, model, read, spin_code, lib: ctypes.CDLL):
        super().__init__(model, read, spin_code)
        self._lib, self._s = lib, _State(until=NO_UNTIL, wall_deadline_ns=1 << 63)
        self.probe_host = None                    # emulator/probes/native.py, once probes attach
        self._error: BaseException | None = None
        self.deliverable: Callable[[], bool] = lambda: False
        self._callbacks = (_MISS(self._miss), _DELIVERABLE(lambda: int(bool(self.deliverable()))))
        self._s.miss, self._s.deliverable_fn = (ctypes.cast(cb, ctypes.c_void_p).value
                                                for cb in self._callbacks)

    def __del__(self):
        lib, state = getattr(self, "_lib", None), getattr(self, "_s", None)
        if lib is not None and state is not None:
            lib.bc_clear(ctypes.byref(state))

    def install(self, cpu) -> None:
        engine, emu_stop = cpu.native_handles()
        self._s.uc, self._s.emu_stop = engine, emu_stop
        hook = ctypes.cast(self._lib.bc_hook_block, ctypes.c_void_p).value
        cpu.on_native_block(hook, ctypes.addressof(self._s), self._mute)

    def _mute(self, muted: bool) -> None:
        self._s.muted = int(muted)

    def _miss(self, addr: int, size: int) -> int:
        try:
            cost = self.decode(addr, size)
            flags = (FLAG_SPIN if addr in self.spins else 0) | self.flags(cost)
            return self._lib.bc_insert(ctypes.byref(self._s), addr, size, cost.total, cost.count,
                                       cost.penalty, (cost.fallthrough or 0) & 0xFFFFFFFF, flags)
        except BaseException as exc:              # surfaced by take_error() after the slice
            self.fail(exc)
            return 1

    @property
    def stopped(self):
        return STOPS[self._s.stopped_code]

    @stopped.setter
    def stopped(self, value) -> None:
        self._s.stopped_code = STOP_CODES[value]

    @property
    def block(self):
        return self.costs.get((self._s.block_addr, self._s.block_size))

    def take_error(self) -> BaseException | None:
        error, self._error = self._error, None
        return error

    def fail(self, exc: BaseException) -> None:
        """A Python callback of a C hook failed: surfaced by take_error() after the slice."""
        self._error = exc

    # for the native probes (emulator/probes/native.py), which share this state
    @property
    def state(self) -> _State:
        return self._s

    def function(self, name: str) -> int:
        """Address of a C function of the helper (a hook to register with uc_hook_add)."""
        return ctypes.cast(getattr(self._lib, name), ctypes.c_void_p).value


def _load_native() -> tuple[ctypes.CDLL | None, str]:
    """The compiled helper and where it came from, or None and why not."""
    spec = importlib.util.find_spec("emulator.engine.native._blockclock")
    if spec is None or not spec.origin:
        return None, "helper not built (pip install -e . builds it with the system C compiler)"
    try:
        lib = ctypes.CDLL(spec.origin)
    except OSError as exc:
        return None, f"helper failed to load: {exc}"
    lib.bc_insert.argtypes = [ctypes.c_void_p] + [ctypes.c_uint32] * 7
    lib.bc_clear.argtypes = [ctypes.c_void_p]
    return lib, spec.origin


_NATIVE = _load_native()


def active_kind() -> str:
    """'native' or 'python': the clock a new Machine gets (FWSANDBOX_CLOCK=python forces it)."""
    forced = os.environ.get("FWSANDBOX_CLOCK", "").strip().lower()
    if forced == "python" or _NATIVE[0] is None:
        return "python"
    return "native"


def describe() -> str:
    """One line for ``fwsandbox --version``: which block clock (and probes) run, and why."""
    lib, where = _NATIVE
    if active_kind() == "native":
        return f"block clock and probes: native C helper ({os.path.basename(where)})"
    if lib is None:
        return f"block clock and probes: pure Python ({where})"
    return "block clock and probes: pure Python (FWSANDBOX_CLOCK=python)"


def slow_clock_warning() -> str | None:
    """A warning when the pure-Python clock runs because the helper is missing (not when
    FWSANDBOX_CLOCK=python asked for it), for the run header."""
    lib, where = _NATIVE
    if lib is not None:
        return None
    return (f"warning: the native block clock is not built ({where}); the pure-Python clock "
            "runs, several times slower")


def make_clock(model, read, spin_code):
    if active_kind() == "native":
        return NativeClock(model, read, spin_code, _NATIVE[0])
    return PyClock(model, read, spin_code)
