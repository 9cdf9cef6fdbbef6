"""shared-write, a detector of explore branches only: a lost update.

After the delivered interrupt's handler has returned, the interrupted code stores to a location
the handler wrote, without having read it since: the value it stores was computed before the
interrupt (a read-modify-write such as ``count++`` split by the handler), so the handler's
update is lost.  Reported with both stores.  Stores below the interrupted stack pointer (a
handler's frame on a shared stack) are not shared data and are left out.

It watches RAM stores and loads with engine memory hooks from the delivery to the end of the
branch: slow per access, but only for the few instructions a branch runs.
"""
from __future__ import annotations

from ..report.model import Finding
from ..report.names import object_namer
from .irqs import depth_of

FRAME_REACH = 4096             # bytes below the interrupted SP a handler's frames may use


class SharedWrites:
    """Armed at the delivery of ``name`` into window ``function`` at ``depth``."""

    def __init__(self, machine, function: str, depth: int, name: str):
        self.machine, self.function, self.depth, self.name = machine, function, depth, name
        self.sp = machine.cpu.reg("sp")
        self.handler: dict[int, tuple[int, str]] = {}     # address -> (pc, handler symbol)
        self.reread: set[int] = set()
        self.entered = False
        self.found: list[Finding] = []
        self.object_at = object_namer(machine.image.symbols.by_name.values())
        cpu = machine.cpu
        for region in machine.board.memory:
            if "w" in region.perms:
                hi = region.base + region.size - 1
                cpu.on_write(region.base, hi, self._on_write)
                cpu.on_read(region.base, hi, self._on_read)
                cpu.forget_code(region.base, hi + 1)
        for region in machine.board.memory:                # code runs from flash too
            if "x" in region.perms and "w" not in region.perms:
                cpu.forget_code(region.base, region.base + region.size)

    def _on_write(self, addr: int, size: int, value: int) -> None:
        m = self.machine
        depth = depth_of(m)
        if depth > self.depth:
            self.entered = True
            if not self.sp - FRAME_REACH <= addr < self.sp:
                pc = m.position.access_pc(addr, True)
                for a in range(addr, addr + size):
                    self.handler.setdefault(a, (pc, m.core.context().handler or "?"))
            return
        if depth < self.depth or not self.entered:
            return
        hit = next((a for a in range(addr, addr + size)
                    if a in self.handler and a not in self.reread), None)
        if hit is not None and not any(f.details[0][1] == hit for f in self.found):
            self.found.append(self._finding(hit, m.position.access_pc(addr, True)))

    def _on_read(self, addr: int, size: int) -> None:
        if self.entered and depth_of(self.machine) == self.depth:
            self.reread.update(range(addr, addr + size))

    def _finding(self, addr: int, pc: int) -> Finding:
        m = self.machine
        handler_pc, handler = self.handler[addr]
        where, theirs = m.describe(pc), m.describe(handler_pc)
        obj = self.object_at(addr) or m.image.symbols.describe(addr)
        message = (f"lost update: {where} stored to {addr:#x} ({obj}) after {handler} wrote it "
                   f"at {theirs}, without reading it again: the value was computed before "
                   f"{self.name} preempted {self.function}, the handler's write is lost")
        return Finding(kind="shared-write", message=message, pc=pc, location=where,
                       function=self.function, context=m.core.context(), cycle=m.now,
                       details=(("address", addr), ("handler_store", theirs),
                                ("interrupted_function", self.function), ("object", obj)))
