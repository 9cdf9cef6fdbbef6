"""The mask probe: ``MaskChanged`` events from code hooks on the image's masking instructions only.

At load, every function symbol's code is disassembled once and each instruction that can change
interrupt masking (the architecture's ``masks.decode``: Cortex-M CPSID/CPSIE/MSR of a mask
register, Book E wrteei/wrtee/mtmsr) gets a code hook on its address alone.  The hook runs
before the instruction, reads the registers it depends on, and emits an event only when the
mask state it leaves differs from the current one, stamped with the cycle the instruction
completes.  Nothing runs per instruction elsewhere (DESIGN §3).  Not watched, and so said in the
report: masking instructions outside function symbols, a conditional CPSID/MSR inside an IT
block (taken as executing), and Book E INTC current-priority raises (CPR).
"""
from __future__ import annotations

from ..arch import mask_decoder
from ..events import MaskChanged

NOT_WATCHED = ("interrupt masking by code outside the image's function symbols, and on Book E "
               "raising the INTC current priority (CPR) outside handlers, is not watched")


def mask_sites(machine) -> dict[int, object]:
    """Address -> ``MaskOp`` of every masking instruction inside a function symbol."""
    decode, cs, image = mask_decoder(machine.spec), machine.model.cs, machine.image
    sites: dict[int, object] = {}
    spans = sorted({(s.addr, s.size) for s in image.symbols.by_name.values()
                    if s.kind == "func" and s.size > 0})
    for addr, size in spans:
        code = image.bytes_at(addr, size)
        if code is None:
            continue
        for insn in cs.disasm(code, addr):
            op = decode(bytes(insn.bytes))
            if op is not None:
                sites[insn.address] = op
    return sites


class MaskProbe:
    """Emits ``MaskChanged`` for ``machine`` (see the module docstring)."""

    def __init__(self, machine):
        self.machine, self.core = machine, machine.core
        nvic = getattr(machine.core, "nvic", None)
        self.priority_mask = nvic.priority_mask if nvic is not None else 0
        self.sites = mask_sites(machine)
        for addr in sorted(self.sites):
            machine.cpu.on_code(self._at_site, addr, addr)

    def _at_site(self, pc: int, size: int) -> None:
        m = self.machine
        op = self.sites.get(pc)
        if op is None or not m.recording():
            return
        context = self.core.context()
        after = op.after(m.cpu, self.priority_mask)
        if after != context.masked:
            m.emit(MaskChanged(m.position.cycle_after(pc), after, pc, m.describe(pc),
                               op.register, context))


def mask_probe(machine) -> MaskProbe:
    return MaskProbe(machine)
