"""Instruction trace for ``fwsandbox run --trace``: opt-in, one Python call per instruction."""
from __future__ import annotations

from typing import Callable


class Tracer:
    """Prints address, symbol, disassembly and context of each executed instruction, up to ``limit``."""

    def __init__(self, machine, limit: int, out: Callable[[str], None]):
        self.machine, self.limit, self.out = machine, limit, out
        self.count = 0
        self.cs = machine.model.cs
        self.handle = machine.cpu.on_code(self._on_insn)

    def _on_insn(self, addr: int, size: int) -> None:
        self.count += 1
        if self.count > self.limit:
            if self.count == self.limit + 1:
                self.out(f"... trace limit of {self.limit} instructions reached")
            return
        code = self.machine.cpu.read(addr, size)
        insn = next(self.cs.disasm(code, addr), None)
        text = f"{insn.mnemonic} {insn.op_str}".strip() if insn else code.hex()
        ctx = self.machine.core.context().name
        self.out(f"{addr:08x}  {self.machine.describe(addr):<28} {text:<36} [{ctx}]")
