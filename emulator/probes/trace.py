"""Instruction trace for ``fwsandbox run --trace``: opt-in, one Python call per traced instruction."""
from __future__ import annotations

import re
import struct
from typing import Callable

from ..debug.stops import CodeStops
from ..errors import BadInput

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
