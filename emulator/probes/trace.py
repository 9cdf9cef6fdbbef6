"""Instruction trace for ``fwsandbox run --trace``: opt-in, one Python call per traced instruction."""
from __future__ import annotations

import ctypes
import re
import struct
from typing import Callable

from ..debug.stops import CodeStops, keep_alive
from ..errors import BadInput
from ..events import Fault

FP_OPERAND = re.compile(r"\bs(\d+)\b")


class Tracer:
    """Prints address, symbol, disassembly and context of each executed instruction, up to
    ``limit``, then removes its hook at once (the rest of the run is as fast as without a
    trace).  ``start``: None (from reset), an address (from the first time that instruction
    runs) or ``("cycle", N)`` (from the first block the model clock starts at or past cycle N);
    until then the hook calls no Python (emulator/debug/stops.py).  An FP instruction also shows
    the single-precision registers it names, before it runs."""

    def __init__(self, machine, limit: int, out: Callable[[str], None], start=None):
        self.machine, self.limit, self.out = machine, limit, out
        self.count = 0
        self.cs = machine.model.cs
        self.stops = CodeStops(machine, self._on_insn)
        if start is None:
            self.stops.halt = True
        elif isinstance(start, tuple):
            self.stops.from_cycle = start[1]
        else:
            self.stops.add_break(start)

    @property
    def attached(self) -> bool:
        """Whether the trace's engine hook is still installed."""
        return self.stops.handle is not None

    def _on_insn(self, addr: int, size: int = 0) -> None:
        if not self.stops.halt:                  # the start condition met: trace every one now
            self.stops.halt, self.stops.from_cycle = True, None
            self.stops.remove_break(addr)
        self.count += 1
        self.out(self._line(addr))
        if self.count >= self.limit:
            self.out(f"... trace limit of {self.limit} instructions reached")
            self.stops.detach()

    def _line(self, addr: int) -> str:
        code = self._code(addr)
        insn = next(self.cs.disasm(code, addr, 1), None)
        text = f"{insn.mnemonic} {insn.op_str}".strip() if insn else code.hex()
        ctx = self.machine.core.context().name
        line = f"{addr:08x}  {self.machine.describe(addr):<28} {text:<36} [{ctx}]"
        if insn is not None and insn.mnemonic.startswith("v"):
            line += self._fp_operands(insn.op_str)
        return line

    def _code(self, addr: int) -> bytes:
        try:
            return self.machine.cpu.read(addr, 4)
        except Exception:                      # the last halfword of a mapped region
            return self.machine.cpu.read(addr, 2)

    def _fp_operands(self, op_str: str) -> str:
        """`` s0=3f800000 (1)``: the FP registers an instruction names, as bits and value."""
        names = dict.fromkeys(f"s{n}" for n in FP_OPERAND.findall(op_str))
        cells = []
        for name in names:
            bits = self.machine.reg(name)
            cells.append(f"{name}={bits:08x} ({struct.unpack('<f', struct.pack('<I', bits))[0]:g})")
        return "  " + " ".join(cells) if cells else ""


def trace_start(machine, text: str | None):
    """``--trace-from`` SYMBOL|CYCLE as Tracer's ``start``: a symbol's address, or
    ``("cycle", N)`` for a number; a name the image lacks is bad input (exit 2)."""
    if text is None:
        return None
    try:
        return ("cycle", int(text.replace("_", ""), 0))
    except ValueError:
        pass
    addr = machine.image.symbols.get(text)
    if addr is None:
        raise BadInput(f"--trace-from: {machine.image.path} has no symbol '{text}' "
                       "(give a function name or a cycle number)")
    return addr & ~1                      # a Thumb symbol's bit 0 is not part of the address


class _Entry(ctypes.Structure):
    """``struct tw_entry`` of blockclock.c."""

    _fields_ = [("addr", ctypes.c_uint32), ("size", ctypes.c_uint32), ("start", ctypes.c_uint64)]


class _Window(ctypes.Structure):
    """``struct tw_state`` of blockclock.c."""

    _fields_ = [("clock", ctypes.c_void_p), ("ring", ctypes.c_void_p), ("mask", ctypes.c_uint32),
                ("pad", ctypes.c_uint32), ("pos", ctypes.c_uint64)]


class TraceWindow:
    """``--trace-window N``: the last ``size`` executed instructions, printed through ``out``
    before each finding (each new occurrence) and at each fault, as they happen.

    The blocks the clock charges are recorded in a ring by a native block hook
    (blockclock.c: tw_hook_block; a Python block hook with the pure-Python clock) and expanded
    to instructions only when printed.  So that the window ends at the finding, call-probe
    records become events before the next instruction (debug/stops.py, ``drain``); blocks
    that began after the finding's cycle are left out and the finding's block ends at its PC."""

    def __init__(self, machine, size: int, out: Callable[[str], None]):
        self.machine, self.size, self.out = machine, size, out
        slots = 1 << (size + 64).bit_length()
        self.ring = (_Entry * slots)()
        self._w = _Window(ring=ctypes.addressof(self.ring), mask=slots - 1)
        self._counts: dict = {}
        keep_alive(machine, self)
        clock = machine.clock
        if getattr(clock, "kind", "") == "native" and hasattr(clock._lib, "tw_hook_block"):
            self._w.clock = ctypes.addressof(clock.state)
            machine.cpu.on_native_block(clock.function("tw_hook_block"), ctypes.addressof(self._w))
            CodeStops(machine, lambda pc: None).drain = True
        else:
            machine.cpu.on_block(self._python_block)
        detectors = getattr(machine, "detectors", None)
        if detectors is not None:
            machine.subscribe(self._after_event, *detectors.classes)
        machine.subscribe(self._on_fault, Fault)

    def _python_block(self, addr: int, size: int) -> None:
        clock = self.machine.clock
        block = clock.block
        if clock.stopped or block is None or block.addr != addr or self.machine.cpu._muted:
            return
        entry = self.ring[self._w.pos & self._w.mask]
        entry.addr, entry.size, entry.start = addr, size, clock.block_start
        self._w.pos += 1

    # when to print ------------------------------------------------------------------------------
    def _after_event(self, event) -> None:
        found = [f for d in self.machine.detectors.detectors for f in d.findings()
                 if f.kind != "fault"]                    # faults: _on_fault, with their PC
        for f in found:
            key = (f.kind, f.location, f.cycle, f.message)
            if f.count > self._counts.get(key, 0):
                self._counts[key] = f.count
                again = f", occurrence {f.count}" if f.count > 1 else f", cycle {f.cycle}"
                self.out(self.render(f"before [{f.kind}] at {f.location}{again}", f.pc))

    def _on_fault(self, event: Fault) -> None:
        text = self.render(f"at [fault] {event.kind} at {event.location}, cycle {event.cycle}",
                           event.pc)
        if not text.endswith(disassembled(self.machine, event.pc)):    # it did not complete:
            text += "\n  " + disassembled(self.machine, event.pc) + "   <- faults"   # not charged
        self.out(text)

    # printing -----------------------------------------------------------------------------------
    def instructions(self, pc: int | None) -> list[int]:
        """The addresses of the last ``size`` instructions run, ending with the latest run of
        ``pc`` when the window holds it (a finding is noticed a little after its instruction)."""
        costs, pos, mask = self.machine.clock.costs, self._w.pos, self._w.mask
        blocks = [(b.addr, b.size) for b in (self.ring[i & mask]
                                             for i in range(max(0, pos - mask - 1), pos))]
        addrs: list[int] = []
        for i, key in enumerate(blocks):
            cost = costs.get(key)
            if cost is None:
                continue
            body = list(cost.before)
            nxt = blocks[i + 1][0] if i + 1 < len(blocks) else None
            if nxt in cost.before and nxt != key[0]:       # the block was ended early there
                body = body[:body.index(nxt)]
            elif nxt is None and pc not in addrs + body:    # the running block: up to the PC
                body = _up_to(body, self.machine.cpu.reg("pc"))
            addrs += body
        if pc in addrs:
            addrs = addrs[:len(addrs) - addrs[::-1].index(pc)]
        return addrs[-self.size:]

    def render(self, what: str, pc: int | None) -> str:
        addrs = self.instructions(pc)
        lines = [f"trace window: the last {len(addrs)} instructions {what}:"]
        lines += ["  " + disassembled(self.machine, addr) for addr in addrs]
        return "\n".join(lines)


def _up_to(body: list[int], pc: int) -> list[int]:
    """The instructions of a running block that ran before ``pc`` (all if it is not inside)."""
    return body[:body.index(pc)] if pc in body[1:] else body


def disassembled(machine, addr: int) -> str:
    """``address  symbol+off  mnemonic operands`` of one instruction."""
    try:
        code = machine.cpu.read(addr, 4)
    except Exception:                          # the last halfword of a mapped region
        code = machine.cpu.read(addr, 2)
    insn = next(machine.model.cs.disasm(code, addr, 1), None)
    text = f"{insn.mnemonic} {insn.op_str}".strip() if insn else code.hex()
    return f"{addr:08x}  {machine.describe(addr):<28} {text}"
