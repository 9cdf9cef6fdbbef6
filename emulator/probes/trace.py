"""Instruction trace for ``fwsandbox run --trace``: opt-in, one Python call per instruction."""
from __future__ import annotations

import re
import struct
from typing import Callable

FP_OPERAND = re.compile(r"\bs(\d+)\b")


class Tracer:
    """Prints address, symbol, disassembly and context of each executed instruction, up to
    ``limit``, then removes its hook (the rest of the run is as fast as without a trace).
    An FP instruction also shows the single-precision registers it names, before it runs."""

    def __init__(self, machine, limit: int, out: Callable[[str], None]):
        self.machine, self.limit, self.out = machine, limit, out
        self.count = 0
        self.cs = machine.model.cs
        self.handle = machine.cpu.on_code(self._on_insn)

    def _on_insn(self, addr: int, size: int) -> None:
        self.count += 1
        if self.count > self.limit:
            if self.handle is not None:          # the engine may call once more after removal
                self.out(f"... trace limit of {self.limit} instructions reached")
                self.machine.cpu.remove_hook(self.handle)
                self.handle = None
            return
        code = self.machine.cpu.read(addr, size)
        insn = next(self.cs.disasm(code, addr), None)
        text = f"{insn.mnemonic} {insn.op_str}".strip() if insn else code.hex()
        ctx = self.machine.core.context().name
        line = f"{addr:08x}  {self.machine.describe(addr):<28} {text:<36} [{ctx}]"
        if insn is not None and insn.mnemonic.startswith("v"):
            line += self._fp_operands(insn.op_str)
        self.out(line)

    def _fp_operands(self, op_str: str) -> str:
        """`` s0=3f800000 (1)``: the FP registers an instruction names, as bits and value."""
        names = dict.fromkeys(f"s{n}" for n in FP_OPERAND.findall(op_str))
        cells = []
        for name in names:
            bits = self.machine.reg(name)
            cells.append(f"{name}={bits:08x} ({struct.unpack('<f', struct.pack('<I', bits))[0]:g})")
        return "  " + " ".join(cells) if cells else ""
