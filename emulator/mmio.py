"""The bus: builds the board's peripherals and routes CPU accesses in their windows to them.

Each peripheral window is ordinary mapped memory with range-limited read/write hooks (the PC
is exact in those hooks, unlike in Unicorn's mmio callbacks): a read hook stores the register
value in the backing memory just before the load completes.
"""
from __future__ import annotations

from .errors import BadInput
from .peripherals import Peripheral
from .peripherals.dwt import Dwt
from .peripherals.timer import CmsdkTimer
from .peripherals.uart import CmsdkUart, LinflexUart

PAGE = 0x1000


class Bus:
    """Owns the peripherals of one machine; ``clocked`` are the ones that raise timed events."""

    def __init__(self, machine, board):
        self.machine = machine
        self.big_endian = board.arch == "ppc-booke"
        self.peripherals: list[Peripheral] = [self._build(spec) for spec in board.peripherals]
        self.clocked = [p for p in self.peripherals if type(p).next_event is not Peripheral.next_event]

    def _build(self, spec):
        machine, params = self.machine, dict(spec.params)
        factory = self.factories().get(spec.kind)
        if factory is None:
            raise BadInput(f"{machine.board.source}: peripheral '{spec.name}': unknown kind '{spec.kind}' "
                           f"(known: {', '.join(sorted(self.factories()))})")
        if spec.kind in ("cmsdk-timer",) and spec.irq is None:
            raise BadInput(f"{machine.board.source}: peripheral '{spec.name}': key 'irq' is required")
        return factory(spec, params)

    def factories(self) -> dict:
        m = self.machine
        return {
            "scs": self._scs,
            "dwt": lambda s, p: Dwt(s.name, s.base, s.size, **p),
            "cmsdk-timer": lambda s, p: CmsdkTimer(s.name, s.base, s.size, s.irq, **p),
            "cmsdk-uart": lambda s, p: CmsdkUart(s.name, s.base, s.size, lambda b: m.console("stdout", b), **p),
            "linflex-uart": lambda s, p: LinflexUart(s.name, s.base, s.size, lambda b: m.console("stdout", b), **p),
            **getattr(m.core, "peripheral_factories", lambda: {})(),
        }

    def _scs(self, spec, params):
        from .arm.scs import SystemControlSpace
        core = self.machine.core
        scs = SystemControlSpace(spec.name, spec.base, spec.size, core.nvic, core.fpu, **params)
        self.machine.core.attach_scs(scs)
        return scs

    def install(self) -> None:
        cpu = self.machine.cpu
        for p in self.peripherals:
            lo, size = p.base & ~(PAGE - 1), ((p.base + p.size + PAGE - 1) & ~(PAGE - 1)) - (p.base & ~(PAGE - 1))
            if not cpu.is_mapped(lo, size):
                cpu.map(lo, size, "rw")
            cpu.on_read(p.base, p.base + p.size - 1, self._reader(p))
            cpu.on_write(p.base, p.base + p.size - 1, self._writer(p))

    def _reader(self, p: Peripheral):
        machine, cpu, order = self.machine, self.machine.cpu, "big" if self.big_endian else "little"

        def on_read(addr: int, size: int) -> None:
            _, now = machine.position.access_at(addr, write=False)
            value = p.read(addr - p.base, size, now) & ((1 << (8 * size)) - 1)
            cpu.write(addr, value.to_bytes(size, order))
        return on_read

    def _writer(self, p: Peripheral):
        machine = self.machine

        def on_write(addr: int, size: int, value: int) -> None:
            pc, now = machine.position.access_at(addr)
            p.write(addr - p.base, size, value & ((1 << (8 * size)) - 1), now)
            machine.after_state_change()
            if machine.result is None and machine.core.deliverable():
                machine.position.end_block_after(pc)
        return on_write
