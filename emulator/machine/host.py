"""MachineHost: the CoreHost port (emulator/arch/ports.py) a core gets instead of the Machine."""
from __future__ import annotations

from typing import Callable

from ..engine.clock import FLAG_FP


class MachineHost:
    """Everything a core may ask of its machine, delegated; nothing else of the Machine shows.

    Built before the machine's bus, timers and block position exist (the core is made first),
    so each call looks them up when made."""

    def __init__(self, machine):
        self._m = machine
        self.cpu, self.board, self.spec = machine.cpu, machine.board, machine.spec

    @property
    def now(self) -> int:
        return self._m.clock.now

    def charge(self, cycles: int) -> None:
        """Model time moves by ``cycles`` (the block clock is the only other writer)."""
        self._m.clock.now += cycles

    def stall(self, cycles: int) -> None:
        """The running instruction takes ``cycles`` more than its block's static cost says
        (an operand-dependent division): now and the block's start both move, so the later
        instructions of the block keep their exact cycles."""
        clock = self._m.clock
        self._m.position.locator.block_moved(clock.block_start, cycles)
        clock.now += cycles
        clock.block_start += cycles

    def cycle_at(self, pc: int) -> int:
        return self._m.position.cycle_at(pc)

    def end_block_after(self, pc: int) -> None:
        self._m.position.end_block_after(pc)

    def step_one(self) -> bool:
        return self._m.step_one()

    def recording(self) -> bool:
        return self._m.recording()

    def emit(self, event) -> None:
        self._m.emit(event)

    def subscribe(self, sink: Callable, *classes: type) -> None:
        self._m.subscribe(sink, *classes)

    def fault(self, kind: str, pc: int, message: str, address: int | None = None,
              location: str | None = None) -> None:
        self._m.fault(kind, pc, message, address, location=location)

    @property
    def fault_site(self) -> tuple[int, int | None]:
        """(pc, data address or None) of the fault being reported, for ``record_fault``."""
        return self._m.fault_site

    def finish(self, reason: str, code: int | None = None, message: str = "") -> None:
        self._m.finish(reason, code, message)

    def describe(self, addr: int) -> str:
        return self._m.describe(addr)

    def symbol_containing(self, addr: int):
        return self._m.image.symbols.containing(addr)

    def console(self, stream: str, data: bytes) -> None:
        self._m.console(stream, data)

    def write_stack(self, addr: int, data: bytes, size: int | None = None) -> None:
        self._m.write_stack(addr, data, size)

    def irq_level(self, number: int) -> bool:
        return self._m.timers.irq_level(number)

    def fire_if_due(self) -> bool:
        return self._m.timers.fire_if_due()

    def after_state_change(self) -> None:
        self._m.after_state_change()

    def native_function(self, name: str) -> int | None:
        """Address of a C function of the native helper (a hook for ``cpu.on_native_code``),
        or None when the pure-Python clock runs."""
        function = getattr(self._m.clock, "function", None)
        return function(name) if function is not None else None

    def fail(self, exc: BaseException) -> None:
        """A Python callback of a C hook failed: the slice ends and the error is raised."""
        self._m.clock.fail(exc)
        self._m.clock.stopped = "error"
        self.cpu.stop()

    def set_traps(self, flags: int) -> None:
        """Arm the block clock's traps (engine/clock.py FLAG_*); before the clock exists the
        core's reset arms them again."""
        clock = getattr(self._m, "clock", None)
        if clock is not None:
            clock.traps = flags

    def trap_sites(self, pc: int) -> tuple[int | None, int | None]:
        """The first armed FP-trap site and the first system-register site in the block at ``pc``."""
        clock = self._m.clock
        fp = clock.fp_sites.get(pc) if clock.traps & FLAG_FP else None
        return fp, clock.sysreg_sites.get(pc)
