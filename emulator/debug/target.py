"""The debug interface of a running Machine: halt, step, continue, registers, memory, break- and watchpoints.

The run goes on in a thread of its own (``start``); the debugger halts it *inside* an engine
code hook (stops.py) before an instruction, and nothing of the run changes while it waits:
model time stands still (the wall-clock timeout is extended by the time halted), the block
being executed is the one a free run executes, and interrupts are taken exactly where a free
run takes them.  So a run with breakpoints and single steps reaches the same state at the same
cycle, with the same findings and console output, as a plain run.

Contract (also what the gdb stub uses, emulator/debug/rsp.py): ``start()`` once; then, from
one controlling thread, ``wait()`` for a ``Stop``; while halted read and write registers and
memory, set and clear breakpoints and watchpoints, then ``step()``/``cont()``/``run_until()``
(each returns the next Stop), ``detach()`` (let the run finish free) or ``kill()``;
``interrupt()`` may be called from any thread while it runs.  A Stop with reason 'exited'
carries the RunResult; ``result()`` waits for it.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..arch import gdb_registers
from ..errors import BadInput
from ..events import Fault
from .stops import CodeStops

SIGINT, SIGTRAP = 2, 5
WATCH_KINDS = ("watch", "rwatch", "awatch")          # write, read, access (gdb's stop names)


@dataclass(frozen=True)
class Stop:
    """Why the run is halted: 'reset' (halted before its first instruction), 'step',
    'breakpoint', 'watchpoint', 'interrupt' (asked to halt), 'finding', 'fault' or 'exited'."""

    reason: str
    pc: int | None
    signal: int = SIGTRAP
    detail: str = ""
    watch: tuple[str, int] | None = None      # (kind, address) of a watchpoint stop
    result: object = None                    # RunResult, when 'exited'


class DebugTarget:
    """One machine under a debugger (see the module docstring for the contract)."""

    def __init__(self, machine, halt_at_start: bool = True, break_on_finding: bool = False,
                 break_on_fault: bool = False):
        self.machine = machine
        self.regs = gdb_registers(machine.spec)
        self.features = self.regs.features(machine.board.fpu != "none")
        self.stops = CodeStops(machine, self._on_code)
        self.stops.halt = halt_at_start
        self._reason = "reset" if halt_at_start else None
        self._cond = threading.Condition()
        self._stop: Stop | None = None
        self._command: str | None = None
        self._pending: Stop | None = None
        self._watches: dict[tuple[int, int, str], list[int]] = {}
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._findings, self._counts, self._detached = 0, {}, False
        if break_on_finding:
            self._watch_findings()
        if break_on_fault:
            machine.subscribe(self._on_fault, Fault)

    # running -----------------------------------------------------------------------------------
    def start(self, **run_options) -> None:
        """Start ``Machine.run(**run_options)`` in its own thread."""
        self._thread = threading.Thread(target=self._run, args=(run_options,), daemon=True,
                                        name="fwsandbox-run")
        self._thread.start()

    def _run(self, options: dict) -> None:
        try:
            result = self.machine.run(**options)
        except BaseException as exc:             # re-raised by result() in the caller's thread
            self._error, result = exc, None
        self.stops.detach()
        with self._cond:
            self._stop = Stop("exited", None, 0, result=result)
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> Stop | None:
        """The current stop, waiting up to ``timeout`` seconds for one (None: still running)."""
        with self._cond:
            self._cond.wait_for(lambda: self._stop is not None, timeout)
            return self._stop

    def result(self, timeout: float | None = None):
        """The RunResult once the run has ended (after ``detach``, ``kill`` or the end)."""
        stop = self.wait(timeout)
        if self._error is not None:
            raise self._error
        return stop.result if stop is not None and stop.reason == "exited" else None

    @property
    def halted(self) -> bool:
        return self._stop is not None and self._stop.reason != "exited"

    def step(self, timeout: float | None = None) -> Stop | None:
        """Execute one instruction (an interrupt due before the next is taken, as in a free run:
        the stop is then at the handler's first instruction)."""
        return self._resume("step", timeout)

    def cont(self, timeout: float | None = None) -> Stop | None:
        return self._resume("cont", timeout)

    def run_until(self, where: int | str, timeout: float | None = None) -> Stop | None:
        """Continue until the instruction at ``where`` (an address or a symbol) is about to run."""
        addr = self.machine.symbol(where) & ~1 if isinstance(where, str) else where
        known = addr in self.stops.breaks
        self.add_breakpoint(addr)
        stop = self.cont(timeout)
        if not known:
            self.remove_breakpoint(addr)
        return stop

    def interrupt(self) -> None:
        """Halt the running target before its next instruction (gdb's Ctrl-C)."""
        if self._reason is None:
            self._reason = "interrupt"
        self.stops.halt = True

    def detach(self) -> None:
        """Clear every breakpoint and watchpoint and let the run go on to its end."""
        for addr in list(self.stops.breaks):
            self.stops.remove_break(addr)
        for key in list(self._watches):
            self.remove_watchpoint(*key)
        self._detached = True
        if self.halted:
            self._resume("detach", 0)

    def kill(self) -> None:
        """End the run now, as 'killed'."""
        if self.halted:
            self._resume("kill", 0)

    def _resume(self, command: str, timeout: float | None) -> Stop | None:
        with self._cond:
            if not self.halted:
                raise RuntimeError(f"{command}: the target is not halted")
            self._stop, self._command = None, command
            self._cond.notify_all()
        return self.wait(timeout)

    # the run thread's side -----------------------------------------------------------------------
    def _on_code(self, pc: int) -> None:
        stop = self._due(pc)
        if stop is not None:
            self._halt(stop)

    def _due(self, pc: int) -> Stop | None:
        if self._pending is not None:
            stop, self._pending = self._pending, None
            return Stop(stop.reason, pc, stop.signal, stop.detail, stop.watch)
        if self.stops.halt:
            reason = self._reason or "step"
            return Stop(reason, pc, SIGINT if reason == "interrupt" else SIGTRAP)
        if pc in self.stops.breaks:
            return Stop("breakpoint", pc)
        return None

    def _halt(self, stop: Stop) -> None:
        """Wait, in the run's thread, until the controller resumes; apply its command."""
        began = time.monotonic()
        with self._cond:
            self._stop, self._reason = stop, None
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._command is not None)
            command, self._command = self._command, None
        self.machine.extend_wall_clock(time.monotonic() - began)
        self.stops.halt = command == "step" or self._pending is not None
        if command == "kill":
            self.machine.finish("killed", None, "killed by the debugger")
        elif command == "detach":
            self.stops.detach()

    def _later(self, stop: Stop) -> None:
        """Stop before the next instruction (the event happened inside one)."""
        self._pending = stop
        self.stops.halt = True

    # findings and faults ---------------------------------------------------------------------------
    def _watch_findings(self) -> None:
        detectors = getattr(self.machine, "detectors", None)
        if detectors is None:
            raise BadInput("--break-on-finding needs the detectors attached live "
                           "(session.prepare(..., stream=True))")
        self.machine.subscribe(self._after_event, *detectors.classes)
        self.stops.drain = True            # native probe records become events at once

    def _after_event(self, event) -> None:
        if self._detached:
            return
        found = [f for d in self.machine.detectors.detectors for f in d.findings()]
        total = sum(f.count for f in found)
        if total > self._findings:
            fired = max(found, key=lambda f: (f.count - self._counts.get(_key(f), 0), f.cycle))
            self._findings, self._counts = total, {_key(f): f.count for f in found}
            again = f" (occurrence {fired.count})" if fired.count > 1 else ""
            self._later(Stop("finding", None, SIGTRAP, finding_text(fired) + again))

    def _on_fault(self, event: Fault) -> None:
        if not self._detached:
            self._halt(Stop("fault", event.pc, SIGTRAP,
                            f"[fault] {event.kind} at {event.location}: {event.message}"))

    # state --------------------------------------------------------------------------------------
    def register_list(self):
        """The GdbRegs in gdb's numbering order."""
        return [reg for _, regs in self.features for reg in regs]

    def read_register(self, name: str) -> int | None:
        """A register by gdb name (d-registers are two s-registers); None if unavailable."""
        reg = self._reg(name)
        if reg.parts is None:
            return None
        value = 0
        for i, part in enumerate(reg.parts):
            value |= self.machine.reg(part) << (32 * i)
        return value

    def write_register(self, name: str, value: int) -> None:
        reg = self._reg(name)
        if reg.parts is None:
            raise BadInput(f"register {name} cannot be written while the core runs")
        for i, part in enumerate(reg.parts):
            word = (value >> (32 * i)) & 0xFFFFFFFF
            self.machine.set_reg(part, self.machine.core.exec_pc(word) if part == "pc" else word)

    def _reg(self, name: str):
        for reg in self.register_list():
            if reg.name == name:
                return reg
        raise BadInput(f"no register '{name}' (registers: "
                       f"{', '.join(r.name for r in self.register_list())})")

    def read_memory(self, addr: int, size: int) -> bytes:
        return self.machine.read(addr, size)

    def write_memory(self, addr: int, data: bytes) -> None:
        self.machine.write(addr, data)

    def cycle(self) -> int:
        """The model cycle at which the halted instruction starts."""
        pc = self._stop.pc if self._stop is not None and self._stop.pc is not None else None
        return self.machine.position.cycle_at(pc) if pc is not None else self.machine.now

    # breakpoints and watchpoints -------------------------------------------------------------------
    def add_breakpoint(self, addr: int) -> bool:
        return self.stops.add_break(addr & ~1 if self.machine.spec.thumb_code_symbols else addr)

    def remove_breakpoint(self, addr: int) -> None:
        self.stops.remove_break(addr & ~1 if self.machine.spec.thumb_code_symbols else addr)

    def add_watchpoint(self, addr: int, length: int, kind: str = "watch") -> None:
        """Stop after an instruction that writes ('watch'), reads ('rwatch') or accesses
        ('awatch') [addr, addr+length): an engine memory hook on just that range (a read hook
        slows every load of the run while it is set)."""
        cpu, hi, handles = self.machine.cpu, addr + length - 1, []
        if kind in ("watch", "awatch"):
            handles.append(cpu.on_write(addr, hi, lambda a, s, v: self._watched(kind, a)))
        if kind in ("rwatch", "awatch"):
            handles.append(cpu.on_read(addr, hi, lambda a, s: self._watched(kind, a)))
        self._watches[(addr, length, kind)] = handles

    def remove_watchpoint(self, addr: int, length: int, kind: str = "watch") -> None:
        for handle in self._watches.pop((addr, length, kind), ()):
            self.machine.cpu.remove_hook(handle)

    def _watched(self, kind: str, addr: int) -> None:
        if self._watches:
            self._later(Stop("watchpoint", None, SIGTRAP, watch=(kind, addr)))


def _key(finding) -> tuple:
    return (finding.kind, finding.location, finding.cycle, finding.message)


def finding_text(finding) -> str:
    """A finding as the gdb console shows it: kind, message, where and when."""
    return (f"[{finding.kind}] {finding.message}\n  at {finding.location}"
            + (f" (pc 0x{finding.pc:x})" if finding.pc is not None else "")
            + f", cycle {finding.cycle}")
