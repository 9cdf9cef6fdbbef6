"""ARM semihosting (ARM DUI0471 / "Semihosting for AArch32 and AArch64" v2): ``bkpt 0xab``."""
from __future__ import annotations

import struct
from dataclasses import dataclass

SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE = 0x01, 0x02, 0x03, 0x04, 0x05
SYS_ISTTY, SYS_SEEK, SYS_FLEN, SYS_CLOCK, SYS_TIME = 0x09, 0x0A, 0x0C, 0x10, 0x11
SYS_ERRNO, SYS_HEAPINFO, SYS_EXIT, SYS_EXIT_EXTENDED = 0x13, 0x16, 0x18, 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026
MAX_STRING = 1 << 16


class SemihostingError(Exception):
    """A call the sandbox does not implement, or bad arguments: names the call and address."""


@dataclass
class Exit:
    code: int


class Semihosting:
    """Executes one semihosting call against memory, the console and the model clock.

    ``mem`` needs ``read(addr, n)``/``write(addr, data)``; ``console(stream, bytes)`` prints;
    ``now()`` returns model cycles and ``clock_hz`` converts them to time; ``heap`` is the
    (heap_base, heap_limit, stack_base, stack_limit) answer to SYS_HEAPINFO.
    """

    def __init__(self, mem, console, now, clock_hz: int, heap: tuple[int, int, int, int]):
        self.mem, self.console, self.now, self.clock_hz, self.heap = mem, console, now, clock_hz, heap
        self.handles = {1: "stdin", 2: "stdout", 3: "stderr"}

    def call(self, op: int, arg: int) -> int | Exit:
        handler = {SYS_WRITEC: self._writec, SYS_WRITE0: self._write0, SYS_WRITE: self._write,
                   SYS_OPEN: self._open, SYS_CLOSE: lambda a: 0, SYS_ISTTY: lambda a: 1,
                   SYS_SEEK: lambda a: 0, SYS_FLEN: lambda a: 0, SYS_ERRNO: lambda a: 0,
                   SYS_CLOCK: self._clock, SYS_TIME: self._time, SYS_HEAPINFO: self._heapinfo,
                   SYS_EXIT: self._exit, SYS_EXIT_EXTENDED: self._exit_extended}.get(op)
        if handler is None:
            raise SemihostingError(f"unsupported semihosting call 0x{op:02x}")
        return handler(arg)

    def _words(self, addr: int, n: int) -> tuple[int, ...]:
        return struct.unpack(f"<{n}I", self.mem.read(addr, 4 * n))

    def _writec(self, arg: int) -> int:
        self.console("stdout", self.mem.read(arg, 1))
        return 0

    def _write0(self, arg: int) -> int:
        out = bytearray()
        while len(out) < MAX_STRING:
            chunk = self.mem.read(arg + len(out), 64)
            end = chunk.find(0)
            out += chunk if end < 0 else chunk[:end]
            if end >= 0:
                break
        self.console("stdout", bytes(out))
        return 0

    def _write(self, arg: int) -> int:
        handle, buf, length = self._words(arg, 3)
        stream = "stderr" if self.handles.get(handle) == "stderr" else "stdout"
        self.console(stream, self.mem.read(buf, min(length, MAX_STRING)))
        return 0                                           # bytes NOT written

    def _open(self, arg: int) -> int:
        name_ptr, mode, length = self._words(arg, 3)
        name = self.mem.read(name_ptr, min(length, 256))
        if name != b":tt":
            return 0xFFFFFFFF                              # no host files in the sandbox
        return 1 if mode < 4 else 2 if mode < 8 else 3     # r / w / a of ":tt"

    def _clock(self, arg: int) -> int:
        return (self.now() * 100 // self.clock_hz) & 0xFFFFFFFF

    def _time(self, arg: int) -> int:
        return self.now() // self.clock_hz                 # seconds since the run began

    def _heapinfo(self, arg: int) -> int:
        block = self._words(arg, 1)[0]
        self.mem.write(block, struct.pack("<4I", *self.heap))
        return 0

    def _exit(self, arg: int) -> Exit:
        return Exit(0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1)

    def _exit_extended(self, arg: int) -> Exit:
        reason, subcode = self._words(arg, 2)
        return Exit(subcode if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
