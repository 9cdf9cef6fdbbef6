"""Stops before chosen instructions without a Python call per instruction (blockclock.c: dbg_hook_code).

One engine code hook on every instruction, in C when the native helper is built: it calls
``on_stop(pc)`` only before an instruction where a stop may be due (``halt`` set, a breakpoint,
the clock at or past ``from_cycle``, or with ``drain`` probe records waiting).  It is installed
before the run starts, so every translated block carries it, and it changes no block: the run
is the one it would be without it (cycles, interrupts, console).  Without the helper a Python
code hook does the same checks (slow, but the same stops); so does a helper built before
``dbg_hook_code`` existed.
"""
from __future__ import annotations

import ctypes
import weakref
from typing import Callable

BREAKS_MAX = 64                          # blockclock.c DBG_BREAKS_MAX
NEVER = (1 << 64) - 1


class _DbgState(ctypes.Structure):
    """``struct dbg_state`` of blockclock.c, field for field."""

    _fields_ = [("halt", ctypes.c_uint32), ("nbreaks", ctypes.c_uint32),
                ("breaks", ctypes.c_uint32 * BREAKS_MAX), ("from_cycle", ctypes.c_uint64),
                ("clock", ctypes.c_void_p), ("drain", ctypes.c_uint32), ("pad", ctypes.c_uint32),
                ("stop", ctypes.c_void_p)]


_STOP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32)
_OWNED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def keep_alive(machine, owner) -> None:
    """Keep ``owner`` (whose memory a C hook of ``machine`` uses) as long as the machine."""
    _OWNED.setdefault(machine, []).append(owner)


class CodeStops:
    """The stop conditions of one machine and the hook that checks them."""

    def __init__(self, machine, on_stop: Callable[[int], None]):
        self.machine, self.on_stop = machine, on_stop
        self.breaks: list[int] = []
        self._s = _DbgState(from_cycle=NEVER)
        keep_alive(machine, self)
        clock = machine.clock
        if getattr(clock, "kind", "") == "native" and hasattr(clock._lib, "dbg_hook_code"):
            self._callback = _STOP(machine.cpu.edged(self._native_stop))
            self._s.stop = ctypes.cast(self._callback, ctypes.c_void_p).value
            self._s.clock = ctypes.addressof(clock.state)
            self.handle = machine.cpu.on_native_code(clock.function("dbg_hook_code"),
                                                     ctypes.addressof(self._s))
        else:
            self.handle = machine.cpu.on_code(self._python_check)

    # conditions ------------------------------------------------------------------------------
    @property
    def halt(self) -> bool:
        return bool(self._s.halt)

    @halt.setter
    def halt(self, value: bool) -> None:
        self._s.halt = int(bool(value))

    @property
    def from_cycle(self) -> int | None:
        return None if self._s.from_cycle == NEVER else self._s.from_cycle

    @from_cycle.setter
    def from_cycle(self, cycle: int | None) -> None:
        self._s.from_cycle = NEVER if cycle is None else cycle

    @property
    def drain(self) -> bool:
        return bool(self._s.drain)

    @drain.setter
    def drain(self, value: bool) -> None:
        self._s.drain = int(bool(value))

    def add_break(self, addr: int) -> bool:
        """Stop before the instruction at ``addr``; False when BREAKS_MAX are set already."""
        if addr in self.breaks:
            return True
        if len(self.breaks) >= BREAKS_MAX:
            return False
        self.breaks.append(addr)
        self._publish()
        return True

    def remove_break(self, addr: int) -> None:
        if addr in self.breaks:
            self.breaks.remove(addr)
            self._publish()

    def _publish(self) -> None:
        for i, addr in enumerate(self.breaks):
            self._s.breaks[i] = addr
        self._s.nbreaks = len(self.breaks)

    def detach(self) -> None:
        """Remove the hook: from now on the engine calls nothing per instruction."""
        self.halt, self.from_cycle, self.drain = False, None, False   # the engine may call
        self.breaks.clear()                  # a removed hook until the slice ends: no stop then
        self._publish()
        if self.handle is not None:
            self.machine.cpu.remove_hook(self.handle)
            self.handle = None

    # the hook's Python half -----------------------------------------------------------------
    def _native_stop(self, pc: int) -> int:
        try:
            self.on_stop(pc)
        except BaseException as exc:         # surfaced after the slice, as a clock miss is
            self.machine.clock.fail(exc)
            self.machine.cpu.stop()
            self.machine.clock.stopped = "error"
        return 0

    def _python_check(self, pc: int, size: int) -> None:
        if self.machine.cpu._muted or self.handle is None:
            return
        s = self._s
        if s.halt or self.machine.now >= s.from_cycle or pc in self.breaks:
            self.on_stop(pc)
