"""ARM semihosting (ARM DUI0471 / "Semihosting for AArch32 and AArch64" v2): ``bkpt 0xab``."""
from __future__ import annotations

import struct
from dataclasses import dataclass

SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE = 0x01, 0x02, 0x03, 0x04, 0x05
SYS_ISTTY, SYS_SEEK, SYS_FLEN, SYS_CLOCK, SYS_TIME = 0x09, 0x0A, 0x0C, 0x10, 0x11
SYS_ERRNO, SYS_HEAPINFO, SYS_EXIT, SYS_EXIT_EXTENDED = 0x13, 0x16, 0x18, 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026
MAX_STRING = 1 << 16
NAMES = {SYS_OPEN: "SYS_OPEN", SYS_CLOSE: "SYS_CLOSE", SYS_WRITEC: "SYS_WRITEC",
         SYS_WRITE0: "SYS_WRITE0", SYS_WRITE: "SYS_WRITE", SYS_ISTTY: "SYS_ISTTY",
         SYS_SEEK: "SYS_SEEK", SYS_FLEN: "SYS_FLEN", SYS_CLOCK: "SYS_CLOCK", SYS_TIME: "SYS_TIME",
         SYS_ERRNO: "SYS_ERRNO", SYS_HEAPINFO: "SYS_HEAPINFO", SYS_EXIT: "SYS_EXIT",
         SYS_EXIT_EXTENDED: "SYS_EXIT_EXTENDED"}



def heap_info(ram_top: int) -> tuple[int, int, int, int]:
    """SYS_HEAPINFO's answer below ``ram_top``: a 60 KiB heap under a 4 KiB stack (or zeros)."""
    top = ram_top
    return (top - 0x10000, top - 0x1000, top, top - 0x1000) if top else (0, 0, 0, 0)

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
        self._op = op
        return handler(arg)

    def _read(self, addr: int, n: int, what: str) -> bytes:
        """``n`` bytes of firmware memory, or a SemihostingError naming the call and address."""
        try:
            return self.mem.read(addr, n)
        except Exception as exc:                 # the CPU port's fault for unmapped memory
            raise self._bad(what, addr, n, "read", exc) from None

    def _bad(self, what: str, addr: int, n: int, access: str, exc) -> SemihostingError:
        name = NAMES.get(getattr(self, "_op", None), "semihosting call")
        where = getattr(exc, "address", None)
        at = f" (0x{where:08x} is unmapped)" if isinstance(where, int) and where != addr else ""
        return SemihostingError(f"{name}: cannot {access} {what} at 0x{addr:08x} "
                                f"({n} bytes){at}")

    def _words(self, addr: int, n: int, what: str = "its argument block") -> tuple[int, ...]:
        return struct.unpack(f"<{n}I", self._read(addr, 4 * n, what))

    def _writec(self, arg: int) -> int:
        self.console("stdout", self._read(arg, 1, "the character"))
        return 0

    def _write0(self, arg: int) -> int:
        out = bytearray()
        while len(out) < MAX_STRING:
            chunk = self._read_upto(arg + len(out), 64)
            end = chunk.find(0)
            out += chunk if end < 0 else chunk[:end]
            if end >= 0:
                break
        self.console("stdout", bytes(out))
        return 0

    def _read_upto(self, addr: int, n: int) -> bytes:
        """Up to ``n`` bytes of a string: fewer where mapped memory ends before ``n``."""
        try:
            return self.mem.read(addr, n)
        except Exception:
            pass
        for size in (16, 4, 1):
            try:
                return self.mem.read(addr, size)
            except Exception:
                continue
        raise self._bad("the string", addr, 1, "read", None)

    def _write(self, arg: int) -> int:
        """Writes at most MAX_STRING bytes a call and says how many it did NOT write."""
        handle, buf, length = self._words(arg, 3)
        stream = "stderr" if self.handles.get(handle) == "stderr" else "stdout"
        count = min(length, MAX_STRING)
        self.console(stream, self._read(buf, count, "the buffer") if count else b"")
        return length - count                              # bytes NOT written

    def _open(self, arg: int) -> int:
        name_ptr, mode, length = self._words(arg, 3)
        name = self._read(name_ptr, min(length, 256), "the file name") if length else b""
        if name != b":tt":
            return 0xFFFFFFFF                              # no host files in the sandbox
        return 1 if mode < 4 else 2 if mode < 8 else 3     # r / w / a of ":tt"

    def _clock(self, arg: int) -> int:
        return (self.now() * 100 // self.clock_hz) & 0xFFFFFFFF

    def _time(self, arg: int) -> int:
        return self.now() // self.clock_hz                 # seconds since the run began

    def _heapinfo(self, arg: int) -> int:
        block = self._words(arg, 1)[0]
        try:
            self.mem.write(block, struct.pack("<4I", *self.heap))
        except Exception as exc:
            raise self._bad("the heap info block", block, 16, "write", exc) from None
        return 0

    def _exit(self, arg: int) -> Exit:
        return Exit(0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1)

    def _exit_extended(self, arg: int) -> Exit:
        reason, subcode = self._words(arg, 2)
        return Exit(subcode if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
