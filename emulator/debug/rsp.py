"""The GDB remote serial protocol stub: the one module that knows the wire format (gdb manual, Appendix E).

It serves one gdb client over TCP and drives a ``DebugTarget`` (target.py) through its
documented interface only.  Packets: ``qSupported``, ``qXfer:features:read`` (the target
description of emulator/arch/<folder>/gdbregs.py), ``qAttached``, ``?``, ``g/G/p/P``,
``m/M/X``, ``vCont`` (``c``/``s``), ``Z0/z0`` software and ``Z1/z1`` hardware breakpoints (both are stops before an
instruction; the code is never patched), ``Z2/Z3/Z4`` watchpoints, ``s``, ``c``, Ctrl-C,
``k``, ``D`` and ``qRcmd`` (``monitor cycles|findings|interrupts|reset|help``); anything else
gets the empty reply that means "not supported".  A stop for a finding or a fault first sends
its text to the gdb console in ``O`` packets.
"""
from __future__ import annotations

import select
import socket
from typing import Callable

from .monitor import monitor
from .target import WATCH_KINDS, DebugTarget, Stop

PACKET_SIZE = 0x4000
POLL = 0.05                               # seconds between looks at a running target
END_SIGNALS = {"fault": 11, "killed": 9}  # X<signal> for a run that ended without exiting


def parse_address(text: str) -> tuple[str, int]:
    """``[HOST:]PORT`` (host 127.0.0.1 by default; port 0: any free one, which the stub's
    "listening" line names); ValueError naming the problem."""
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"--gdb {text!r}: expected [HOST:]PORT with a port 0-65535")
    return host or "127.0.0.1", int(port)


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def frame(data: bytes) -> bytes:
    """``$data#cs``, with '#', '$', '}' and '*' escaped (E.1)."""
    escaped = bytearray()
    for byte in data:
        if byte in b"#$}*":
            escaped += bytes((0x7D, byte ^ 0x20))
        else:
            escaped.append(byte)
    return b"$" + bytes(escaped) + b"#%02x" % checksum(bytes(escaped))


def unescape(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(data):
        if data[i] == 0x7D and i + 1 < len(data):
            out.append(data[i + 1] ^ 0x20)
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


class Connection:
    """Packets over one socket: framing, acks, and Ctrl-C (0x03) seen apart."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf, self.interrupted, self.closed = sock, bytearray(), False, False

    def send(self, data: bytes | str) -> None:
        data = data.encode("latin-1") if isinstance(data, str) else data
        try:
            self.sock.sendall(frame(data))
        except OSError:
            self.closed = True

    def poll(self, timeout: float | None) -> bytes | None:
        """The next packet's payload if one arrives within ``timeout`` (None: wait)."""
        while True:
            packet = self._take()
            if packet is not None or self.closed:
                return packet
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return None
            self._receive()

    def _receive(self) -> None:
        try:
            chunk = self.sock.recv(PACKET_SIZE)
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
        self.buf += chunk

    def _take(self) -> bytes | None:
        while self.buf:
            head = self.buf[0]
            if head == 0x03:
                del self.buf[0]
                self.interrupted = True
            elif head == ord("$"):
                end = self.buf.find(b"#")
                if end < 0 or len(self.buf) < end + 3:
                    return None
                payload = bytes(self.buf[1:end])
                del self.buf[:end + 3]
                self._ack()
                return payload
            else:                              # '+', '-' and noise between packets
                del self.buf[0]
        return None

    def _ack(self) -> None:
        try:
            self.sock.sendall(b"+")
        except OSError:
            self.closed = True


class GdbStub:
    """One gdb session on ``target``; ``serve()`` returns when it is over."""

    def __init__(self, target: DebugTarget, host: str, port: int,
                 log: Callable[[str], None] = lambda line: None):
        self.target, self.log = target, log
        self.listener = socket.create_server((host, port), reuse_port=False)
        self.address = self.listener.getsockname()[:2]
        self.xml = target_xml(target)
        self.big = target.machine.spec.big_endian
        self.conn: Connection | None = None
        self.done = False

    def serve(self, wait_for_client: bool) -> None:
        """Accept one client (until the run ends unless ``wait_for_client``) and serve it."""
        self.log(f"fwsandbox: gdb stub listening on {self.address[0]}:{self.address[1]}")
        client = self._accept(wait_for_client)
        self.listener.close()
        if client is None:
            return
        with client:
            self.conn = Connection(client)
            self._session()
        if not self.done:                    # the client went away without D or k
            self.target.detach()

    def _accept(self, wait_for_client: bool) -> socket.socket | None:
        self.listener.settimeout(POLL)
        while True:
            try:
                client, _ = self.listener.accept()
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return client
            except socket.timeout:
                stop = self.target.wait(0)
                if stop is not None and stop.reason == "exited" and not wait_for_client:
                    return None

    def _session(self) -> None:
        if self.target.wait(0) is None:
            self.target.interrupt()          # a client finds the target halted (as QEMU's -s)
        stop = self.target.wait()
        if stop.detail:                      # halted before the client came: no O packet yet
            self.log(stop.detail)
        while not self.done and not self.conn.closed:
            packet = self.conn.poll(None)
            if packet is not None:
                self._dispatch(packet.decode("latin-1"))

    # packets --------------------------------------------------------------------------------
    def _dispatch(self, packet: str) -> None:
        head = packet[:1]
        handler = {"?": self._stop_query, "g": self._read_all, "G": self._write_all,
                   "p": self._read_one, "P": self._write_one, "m": self._read_mem,
                   "M": self._write_mem, "X": self._write_bin, "Z": self._insert, "z": self._remove,
                   "s": self._step, "c": self._cont, "k": self._kill, "D": self._detach,
                   "q": self._query, "H": lambda p: "OK", "v": self._v}.get(head)
        try:
            reply = handler(packet) if handler else ""
        except (ValueError, IndexError):
            reply = "E01"
        if reply is not None:
            self.conn.send(reply)

    def _stop_query(self, packet: str) -> str:
        return self._stop_reply(self.target.wait(0), announce=False)

    def _query(self, packet: str) -> str:
        if packet.startswith("qSupported"):
            return (f"PacketSize={PACKET_SIZE:x};qXfer:features:read+;swbreak+;hwbreak+;"
                    "vContSupported+")
        if packet.startswith("qXfer:features:read:target.xml:"):
            offset, length = (int(x, 16) for x in packet.rsplit(":", 1)[1].split(","))
            chunk = self.xml[offset:offset + length]
            return ("l" if offset + length >= len(self.xml) else "m") + chunk
        if packet.startswith("qAttached"):
            return "1"
        if packet.startswith("qRcmd,"):
            text = bytes.fromhex(packet[6:]).decode("latin-1", "replace")
            self._console(monitor(self.target, text.strip()))
            return "OK"
        if packet.startswith("qSymbol"):
            return "OK"
        return ""

    def _v(self, packet: str) -> str | None:
        """``vCont?`` and ``vCont;ACTION[:thread]...``: the first action applies (one thread);
        advertising ``s`` makes gdb step with ``s``, not with breakpoints of its own, so a step
        can enter an interrupt handler."""
        if packet == "vCont?":
            return "vCont;c;C;s;S"
        if packet.startswith("vCont;"):
            action = packet[6:7].lower()
            if action in ("s", "c"):
                return self._step(packet) if action == "s" else self._cont(packet)
            return "E01"
        if packet.startswith("vKill"):
            self._kill(packet)
            return "OK"
        return ""

    # registers and memory -------------------------------------------------------------------------
    def _encode(self, reg) -> str:
        value = self.target.read_register(reg.name)
        if value is None:
            return "xx" * (reg.bits // 8)
        return value.to_bytes(reg.bits // 8, "big" if self.big else "little").hex()

    def _decode(self, reg, text: str) -> int:
        return int.from_bytes(bytes.fromhex(text), "big" if self.big else "little")

    def _read_all(self, packet: str) -> str:
        return "".join(self._encode(reg) for reg in self.target.register_list())

    def _write_all(self, packet: str) -> str:
        data, at = packet[1:], 0
        for reg in self.target.register_list():
            width = reg.bits // 4
            text = data[at:at + width]
            at += width
            if len(text) == width and "x" not in text and reg.parts is not None:
                self.target.write_register(reg.name, self._decode(reg, text))
        return "OK"

    def _read_one(self, packet: str) -> str:
        regs = self.target.register_list()
        number = int(packet[1:], 16)
        return self._encode(regs[number]) if number < len(regs) else "E00"

    def _write_one(self, packet: str) -> str:
        number, value = packet[1:].split("=")
        reg = self.target.register_list()[int(number, 16)]
        if reg.parts is None:
            return "E02"
        self.target.write_register(reg.name, self._decode(reg, value))
        return "OK"

    def _read_mem(self, packet: str) -> str:
        addr, length = (int(x, 16) for x in packet[1:].split(","))
        try:
            return self.target.read_memory(addr, length).hex()
        except Exception:                      # unmapped: gdb shows "Cannot access memory"
            return "E14"

    def _write_mem(self, packet: str) -> str:
        where, data = packet[1:].split(":", 1)
        return self._store(where, bytes.fromhex(data))

    def _write_bin(self, packet: str) -> str:
        where, _, data = packet[1:].partition(":")
        return self._store(where, unescape(data.encode("latin-1")))

    def _store(self, where: str, data: bytes) -> str:
        addr, length = (int(x, 16) for x in where.split(","))
        try:
            if length:
                self.target.write_memory(addr, data[:length])
            return "OK"
        except Exception:
            return "E14"

    # break- and watchpoints -----------------------------------------------------------------------
    def _insert(self, packet: str) -> str:
        kind, addr, length = _z_fields(packet)
        if kind in (0, 1):
            return "OK" if self.target.add_breakpoint(addr) else "E0e"
        if kind in (2, 3, 4):
            self.target.add_watchpoint(addr, length, WATCH_KINDS[kind - 2])
            return "OK"
        return ""

    def _remove(self, packet: str) -> str:
        kind, addr, length = _z_fields(packet)
        if kind in (0, 1):
            self.target.remove_breakpoint(addr)
            return "OK"
        if kind in (2, 3, 4):
            self.target.remove_watchpoint(addr, length, WATCH_KINDS[kind - 2])
            return "OK"
        return ""

    # running ------------------------------------------------------------------------------------
    def _step(self, packet: str) -> None:
        self._go(self.target.step)

    def _cont(self, packet: str) -> None:
        self._go(self.target.cont)

    def _go(self, resume) -> None:
        if not self.target.halted:
            self.conn.send(self._stop_reply(self.target.wait(0)))
            return
        stop = resume(0)
        while stop is None:                   # running: watch for Ctrl-C and the next stop
            if self.conn.poll(POLL) is not None or self.conn.interrupted:
                self.conn.interrupted = False
                self.target.interrupt()
            if self.conn.closed:
                return
            stop = self.target.wait(0)
        self.conn.send(self._stop_reply(stop))

    def _stop_reply(self, stop: Stop, announce: bool = True) -> str:
        if announce and stop.detail and stop.reason in ("finding", "fault"):
            self._console(stop.detail + "\n")
        if stop.reason == "exited":
            result = stop.result
            if announce and result is not None and result.reason != "exit":
                self._console(f"fwsandbox: run ended: {result.reason}"
                              f"{': ' + result.message if result.message else ''}\n")
            if result is not None and result.reason == "exit":
                return f"W{(result.code or 0) & 0xFF:02x}"
            return f"X{END_SIGNALS.get(getattr(result, 'reason', ''), 9):02x}"
        extra = ""
        if stop.watch is not None:
            extra = f"{stop.watch[0]}:{stop.watch[1]:x};"
        elif stop.reason == "breakpoint":
            extra = "swbreak:;"
        return f"T{stop.signal:02x}{extra}"

    def _kill(self, packet: str) -> None:
        self.done = True
        self.target.kill()

    def _detach(self, packet: str) -> str:
        self.done = True
        self.conn.send("OK")
        self.target.detach()
        return None

    def _console(self, text: str) -> None:
        """Text for the gdb console, as ``O`` packets."""
        data = text.encode("utf-8")
        for at in range(0, len(data), 512):
            self.conn.send("O" + data[at:at + 512].hex())


def _z_fields(packet: str) -> tuple[int, int, int]:
    kind, addr, length = packet[1:].split(";")[0].split(",")
    return int(kind), int(addr, 16), int(length, 16)


def target_xml(target: DebugTarget) -> str:
    """The target description of gdb's Appendix G for ``target``'s register features."""
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
             '<target version="1.0">', f"  <architecture>{target.regs.ARCHITECTURE}</architecture>"]
    for name, regs in target.features:
        lines.append(f'  <feature name="{name}">')
        lines += [f'    <reg name="{r.name}" bitsize="{r.bits}" type="{r.type}" group="{r.group}"/>'
                  for r in regs]
        lines.append("  </feature>")
    return "\n".join(lines + ["</target>", ""])
