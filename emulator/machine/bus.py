"""The bus: builds the board's peripherals and routes CPU accesses in their windows to them.

The pages of the peripheral windows are device memory (Unicorn's mmio_map, see
emulator/engine/mmio.py): only their own loads and stores leave the engine's fast path, where a
memory hook of any range would slow every access of the program.  The engine's PC is stale in
those callbacks as in memory hooks; the accessing instruction is located in the running block
(emulator/engine/accesspc.py) and the access is charged at its exact cycle.
"""
from __future__ import annotations

import inspect

from ..arch import spec_for
from ..errors import BadInput
from ..load.irqspec import expand, resolve
from ..peripherals import Peripheral
from ..peripherals.irq import Interrupts
from ..peripherals.dwt import Dwt
from ..peripherals.stub import AccessLog, PollWatch, StubPeripheral, poll_text, tested_bits
from ..peripherals.timer import CmsdkTimer
from ..peripherals.uart import CmsdkUart, LinflexUart

PAGE = 0x1000
# constructor arguments the bus supplies, not the board
WIRED = {"name", "base", "size", "irq", "sink", "on_exit", "on_acknowledge", "nvic", "fpu"}


class Bus:
    """Owns the peripherals of one machine; ``clocked`` are the ones that raise timed events."""

    def __init__(self, machine, board):
        self.machine = machine
        spec = spec_for(board.arch)
        self.big_endian = spec.big_endian
        self.peripherals: list[Peripheral] = [self._build(spec) for spec in board.peripherals]
        self.interrupts = self._wire(board)
        self.clocked = [p for p in self.peripherals if type(p).next_event is not Peripheral.next_event]
        self.stub_log, self.polls = AccessLog(), PollWatch()
        # where unclaimed addresses may become stubs (board key unclaimed = "stub")
        self._space = spec.peripheral_space if board.unclaimed == "stub" else ()

    def _build(self, spec):
        machine, params = self.machine, dict(spec.params)
        factory = self.factories().get(spec.kind)
        if factory is None:
            raise BadInput(f"{machine.board.source}: peripheral '{spec.name}': unknown kind '{spec.kind}' "
                           f"(known: {', '.join(sorted(self.factories()))})")
        where = f"{machine.board.source}: peripheral '{spec.name}'"
        try:
            peripheral = factory(spec, params)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"{where}: bad parameters for kind '{spec.kind}': {exc}") from None
        check_params(where, spec.kind, params, board_params(type(peripheral)))
        return peripheral

    def _wire(self, board) -> Interrupts:
        """Connect every peripheral's interrupt outputs to the controller lines its board entry
        names (``irq = "nvic@8"``, ``"intc@59"``): one way for both ISAs."""
        controllers = {p.controller.controller_name: p.controller for p in self.peripherals
                       if p.controller is not None}
        for p, spec in zip(self.peripherals, board.peripherals):
            where = f"{board.source}: peripheral '{spec.name}': key 'irq'"
            if p.outputs and not spec.irq:
                raise BadInput(f"{where} is required (kind '{spec.kind}' raises interrupts)")
            if spec.irq and not p.outputs:
                raise BadInput(f"{where}: kind '{spec.kind}' has no interrupt output")
            refs = expand(resolve(spec.irq, controllers, where), len(p.outputs), where)
            for line, ref in zip(p.outputs, refs):
                line.connect(self._input(controllers, ref, where))
        return Interrupts(controllers.values())

    @staticmethod
    def _input(controllers: dict, ref, where: str):
        controller = controllers.get(ref.controller)
        if controller is None:
            raise BadInput(f"{where}: this board has no interrupt controller '{ref.controller}'")
        try:
            return controller.line(ref.line)
        except ValueError as exc:
            raise BadInput(f"{where}: '{ref}': {exc}") from None

    def factories(self) -> dict:
        m = self.machine
        return {
            "dwt": lambda s, p: Dwt(s.name, s.base, s.size, **p),
            "cmsdk-timer": lambda s, p: CmsdkTimer(s.name, s.base, s.size, **p),
            "cmsdk-uart": lambda s, p: CmsdkUart(s.name, s.base, s.size, lambda b: m.console("stdout", b), **p),
            "linflex-uart": lambda s, p: LinflexUart(s.name, s.base, s.size, lambda b: m.console("stdout", b), **p),
            "stub": lambda s, p: StubPeripheral(s.name, s.base, s.size, **p),
            **m.core.peripheral_factories(),             # the core's own (SCS, INTC, ...)
        }

    def install(self) -> None:
        cpu, hooked = self.machine.cpu, []
        for lo, hi, inside in device_spans(self.peripherals):
            if cpu.is_mapped(lo, hi - lo):       # a window inside a memory: hooks on it
                hooked += inside
                continue
            windows = [(p.base, p.base + p.size, self._reader(p), self._writer(p)) for p in inside]
            cpu.map_device(lo, hi - lo, *dispatchers(windows))
        for p in hooked:
            self._hook(p)
        if self._space:
            cpu.on_unmapped(self._claim)

    def _hook(self, p: Peripheral) -> None:
        """A window inside mapped memory: range-limited hooks (slower for every access, see
        emulator/engine/mmio.py); the read hook stores the value just before the load."""
        cpu, reader, order = self.machine.cpu, self._reader(p), "big" if self.big_endian else "little"
        cpu.on_read(p.base, p.base + p.size - 1, lambda a, s: cpu.write(a, reader(a, s).to_bytes(s, order)))
        cpu.on_write(p.base, p.base + p.size - 1, self._writer(p))

    def _reader(self, p: Peripheral):
        machine = self.machine
        stub, log, polls = isinstance(p, StubPeripheral), self.stub_log, self.polls

        def on_read(addr: int, size: int) -> int:
            pc, now = machine.position.access_at(addr, write=False)
            value = p.read(addr - p.base, size, now) & ((1 << (8 * size)) - 1)
            polls.read(addr, pc, now, value)
            if stub:
                log.note(addr, False, pc)
            return value
        return on_read

    def _writer(self, p: Peripheral):
        machine = self.machine

        stub, log = isinstance(p, StubPeripheral), self.stub_log

        def on_write(addr: int, size: int, value: int) -> None:
            pc, now = machine.position.access_at(addr)
            if stub:
                log.note(addr, True, pc)
            machine.access_cycle = now              # an interrupt it pends pends then
            p.write(addr - p.base, size, value & ((1 << (8 * size)) - 1), now)
            machine.access_cycle = None
            machine.after_state_change()
            if machine.result is None and machine.core.deliverable():
                machine.position.end_block_after(pc)
        return on_write

    # unclaimed peripheral addresses (board key unclaimed = "stub") ------------------------------
    def _claim(self, addr: int, write: bool) -> bool:
        """An access to unmapped memory: inside the peripheral space, map its page as device
        memory that reads back what was written and logs every access, and let it retry."""
        if not any(lo <= addr < hi for lo, hi in self._space):
            return False
        page, cpu = addr & ~(PAGE - 1), self.machine.cpu
        # the retried access reaches the new page's callbacks, which log it
        read_logged, write_logged = self._logged(False), self._logged(True)
        cpu.map_device(page, PAGE, read_logged, lambda at, size, value: write_logged(at, size))
        return True

    def _logged(self, write: bool):
        machine, log, polls = self.machine, self.stub_log, self.polls
        order = "big" if self.big_endian else "little"

        def on_access(addr: int, size: int) -> None:      # None: the page reads as memory
            pc, now = machine.position.access_at(addr, write)
            log.note(addr, write, pc)
            if not write:
                polls.read(addr, pc, now, int.from_bytes(machine.cpu.read(addr, size), order))
        return on_access

    def polling(self, now: int) -> str | None:
        """What the firmware was waiting for, if it ended polling one MMIO address."""
        found = self.polls.polled(now)
        if found is None:
            return None
        addr, pc, reads, value = found
        cs = self.machine.model.cs
        after = list(cs.disasm(self.machine.cpu.read(pc, 24), pc))[1:5]
        return poll_text(addr, pc, reads, value, tested_bits(after), self.machine.describe(pc))


def device_spans(peripherals) -> list[tuple[int, int, list]]:
    """The page-aligned spans [lo, hi) the peripheral windows cover, overlapping ones merged,
    each with the peripherals inside it."""
    spans: list[tuple[int, int, list]] = []
    for p in sorted(peripherals, key=lambda p: p.base):
        lo, hi = p.base & ~(PAGE - 1), (p.base + p.size + PAGE - 1) & ~(PAGE - 1)
        if spans and lo < spans[-1][1]:
            last = spans.pop()
            lo, hi, p = last[0], max(hi, last[1]), last[2] + [p]
            spans.append((lo, hi, p))
        else:
            spans.append((lo, hi, [p]))
    return spans


def dispatchers(windows: list[tuple[int, int, object, object]]):
    """read(addr, size) and write(addr, size, value) of a device span: the window holding
    ``addr`` handles it; between windows the span is plain memory (read gives None)."""
    def find(addr: int):
        for lo, hi, reader, writer in windows:
            if lo <= addr < hi:
                return reader, writer
        return None, None

    def read(addr: int, size: int):
        reader = find(addr)[0]
        return None if reader is None else reader(addr, size)

    def write(addr: int, size: int, value: int) -> None:
        writer = find(addr)[1]
        if writer is not None:
            writer(addr, size, value)
    return read, write


def board_params(cls) -> dict[str, object]:
    """The [[peripheral]] keys a peripheral class takes, with their defaults: its constructor's
    named parameters other than what the bus wires in (a key it does not name is a typo, not a
    silent no-op)."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in parameters
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in WIRED | {"self"}}


def check_params(where: str, kind: str, params: dict, allowed: dict[str, object]) -> None:
    """Unknown keys, and values of another type than an integer default, are BadInput."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadInput(f"{where}: key '{unknown[0]}': not a parameter of kind '{kind}' (its "
                       f"parameters: {', '.join(sorted(allowed)) or 'none'})")
    for name, value in sorted(params.items()):
        default = allowed[name]
        if isinstance(default, int) and not isinstance(default, bool) and (
                isinstance(value, bool) or not isinstance(value, int)):
            raise BadInput(f"{where}: key '{name}': expected an integer, got {value!r:.40}")
