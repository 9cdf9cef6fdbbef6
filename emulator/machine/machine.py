"""The composition root: board + image + CPU + interrupt core + peripherals, and the run loop.

Time model (DESIGN §3): ``now`` is the cycle model's count, kept by the block clock
(``emulator/engine/clock.py``: a native C block hook, or its Python twin): each translated block is
charged its static cost when it starts.  Interrupts become pending at their exact cycle and are taken at the first
basic-block boundary at or after it; an MMIO write that makes an exception takeable (NVIC ISPR,
STIR, ICSR.PENDSVSET, ...) ends the block after the writing instruction, so it is taken at the
next instruction boundary.  WFI skips the clock to the next timer event.

The core is built from the board's ArchSpec (``emulator/arch``) and talks to this machine only
through ``self.host`` (MachineHost, the CoreHost port); the machine calls it through the
ArchCore port (both written in ``emulator/arch/ports.py``).  Model time has two writers: the
block clock and ``host.charge`` (exception entry/exit costs), plus WFI skips here.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from ..arch import access_decoder, core_class, spec_for
from ..engine import cyclemodel
from ..engine.accesspc import AccessLocator
from ..engine.blockpos import BlockPosition
from ..engine.clock import NO_UNTIL, make_clock
from ..engine.cpu import CpuFault, UnicornCpu
from ..errors import BadInput
from ..events import Fault, InterruptPended, Routes, RunEnded
from ..load.board import Board, load_board
from ..load.image import Image, load_image
from .bus import Bus
from .clocked import NEVER, ClockedPeripherals
from .frames import FrameWriter
from .host import MachineHost
from .runlimits import RunLimits, RunResult

PAGE = 0x1000
DEFAULT_MAX_CYCLES = 200_000_000
DEFAULT_TIMEOUT = 60.0
MAX_CONSOLE = 1 << 20                   # console bytes kept in RunResult.output (all are streamed)


class Emitters(dict):
    """Event class -> a function emitting such events: the event list's own ``append`` when
    no sink takes the class (the call probes' hot path), else ``Machine.emit``."""

    def __init__(self, machine: "Machine"):
        super().__init__()
        self.machine = machine

    def __missing__(self, cls: type) -> Callable:
        m = self.machine
        found = m.emit if m._sinks_for[cls] or m.events is None else m.events.append
        self[cls] = found
        return found


class Machine:
    """One emulated microcontroller running one firmware image."""

    def __init__(self, board: Board, image: Image, record: bool = True):
        self.board, self.image = board, image
        self.spec = spec_for(board.arch)
        self._described: dict[int, str] = {}
        self.cpu = UnicornCpu(self.spec.unicorn, dict(self.spec.cpus)[board.cpu])
        self.model = cyclemodel.model_for(board.cycle_model)
        self.model.attach(self.cpu.read, board.wait_states_at if board.has_wait_states() else None)
        self.output = bytearray()
        self.console_dropped = 0                 # console bytes past MAX_CONSOLE, streamed only
        self.events: list = [] if record else None
        self.sinks: list[dict[type, Callable]] = []
        self._sinks_for = Routes(self.sinks)     # event class -> its sinks
        self.emitters = Emitters(self)           # event class -> the cheapest emit for it
        self.console_sink: Callable[[str, bytes], None] | None = None
        self.frames = FrameWriter(self.cpu, board)
        self.host = MachineHost(self)           # what the core sees of this machine
        self.stack_watchers, self.write_stack = self.frames.watchers, self.frames.write
        self._map_memory()
        self.core = _make_core(self, board)
        self.clock = make_clock(self.model, self.cpu.read, self.core.spin_code)
        self._attention, self._deadline = self.clock.attention, self.clock.deadline   # shadows
        locator = AccessLocator(self.spec, access_decoder(self.spec), self.cpu.read, self.cpu.reg)
        self.position = BlockPosition(self.clock, self.cpu, locator, self.core.exec_pc)
        self.bus = Bus(self, board)
        self._load(image)
        self._reset_run_state()
        try:
            self.core.reset(image)
        except CpuFault as exc:
            raise BadInput(f"{image.path}: cannot reset the core on board '{board.name}': "
                           f"{_fault_message(exc)} (no memory there)") from None
        self.timers = ClockedPeripherals(self.bus.clocked + self.core.clocked(), self.clock,
                                         self.bus.interrupts)
        self._install_hooks()
        self.access_cycle: int | None = None     # the cycle of the MMIO write in progress
        for controller in self.bus.interrupts.controllers:     # InterruptPended (latency)
            controller.on_pend = self._pended

    @classmethod
    def load(cls, image: str | Path, board: str | Path | None = None, base: int | None = None,
             record: bool = True, symbols: str | Path | None = None) -> "Machine":
        img = load_image(image, base, symbols)
        if board is None:
            if img.arch is None:
                raise BadInput(f"{image}: raw binary needs --board")
            board = spec_for(img.arch).default_board
        brd = load_board(board)
        if img.arch and img.arch != brd.arch:
            raise BadInput(f"{image}: {img.arch} image does not fit board '{brd.name}' ({brd.arch})")
        if img.hard_float and brd.fpu == "none":
            raise BadInput(f"{image}: built for hard float (Tag_ABI_VFP_args) but board "
                           f"'{brd.name}' has no FPU (its core is {brd.cpu}, fpu = \"none\")")
        return cls(brd, img, record)

    # set-up ------------------------------------------------------------------------------------
    def _map_memory(self) -> None:
        alias = self.board.alias
        for region in self.board.memory:
            if alias is not None and region.name == alias[1]:
                self.cpu.map_aliased(region.base, _round_up(region.size), region.perms, alias[0])
            else:
                self.cpu.map(region.base, _round_up(region.size), region.perms)
        self.cpu.map(self.board.scratch, PAGE, "rwx")

    def _load(self, image: Image) -> None:
        for seg in image.segments:
            region = self.board.region_of(seg.addr, max(1, seg.memsz))
            if region is None:
                raise BadInput(f"{image.path}: segment 0x{seg.addr:08x}+0x{seg.memsz:x} lies outside "
                               f"the memory of board '{self.board.name}'")
            self.cpu.write(seg.addr, seg.data)
        self.cpu.write(self.board.scratch, self.core.trap_code)

    def _reset_run_state(self) -> None:
        self.limits = RunLimits(budget_end=0)
        self._until = 0
        self.result: tuple | None = None
        self._faulted = False

    def _install_hooks(self) -> None:
        self.clock.deliverable = self.core.deliverable
        self.clock.install(self.cpu)
        self.cpu.on_interrupt(self.core.on_engine_interrupt)
        self.bus.install()

    # public API ----------------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The current cycle of the model clock."""
        return self.clock.now

    @now.setter
    def now(self, value: int) -> None:
        self.clock.now = value

    @property
    def instructions(self) -> int:
        return self.clock.instructions

    @instructions.setter
    def instructions(self, value: int) -> None:
        self.clock.instructions = value

    @property
    def symbols(self):
        return self.image.symbols

    def describe(self, addr: int) -> str:
        """``symbol+0xoff`` of an address (memoised: probes describe the same few sites)."""
        text = self._described.get(addr)
        if text is None:
            text = self._described[addr] = self.image.symbols.describe(addr)
        return text

    def read(self, addr: int, size: int) -> bytes:
        return self.cpu.read(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        self.cpu.write(addr, data)

    def reg(self, name: str) -> int:
        return self.cpu.reg(name)

    def set_reg(self, name: str, value: int) -> None:
        self.cpu.set_reg(name, value)

    def subscribe(self, sink: Callable, *classes: type) -> None:
        """``sink(event)`` is called, in order and as it happens, for every event of ``classes``
        (of any class if none is named)."""
        self.sinks.append({cls: sink for cls in classes or (object,)})
        self._sinks_for, self.emitters = Routes(self.sinks), Emitters(self)

    def recording(self) -> bool:
        """Whether ``emit`` goes anywhere: hot paths build events only then."""
        return self.events is not None or bool(self.sinks)

    def emit(self, event) -> None:
        if self.events is not None:
            self.events.append(event)
        for sink in self._sinks_for[type(event)]:
            sink(event)

    def symbol(self, name: str) -> int:
        addr = self.image.symbols.get(name)
        if addr is None:
            raise BadInput(f"{self.image.path}: no symbol '{name}'")
        return addr

    def call(self, name_or_addr: str | int, *args: int, max_cycles: int = 50_000_000,
             timeout: float = 10.0) -> int:
        """Call a firmware function with ABI arguments; return its result register."""
        addr = self.symbol(name_or_addr) if isinstance(name_or_addr, str) else name_or_addr
        self.core.setup_call(addr, args, self.board.scratch)
        result = self.run(max_cycles, timeout, until=self.board.scratch)
        if result.reason != "returned":
            raise RuntimeError(f"call {name_or_addr}: {result.reason} {result.message}".strip())
        return self.core.return_value()

    def step(self, count: int = 1) -> int:
        """Execute ``count`` instructions one at a time; interrupts are taken between them.

        Each instruction is charged on its own (no pipelining with its neighbour), so a stepped
        run can differ from a free run by the LDR/STR pipelining cycle. Returns instructions run.
        """
        self.result, self.limits, done = None, RunLimits(), 0
        while done < count and self.step_one():
            done += 1
        return done

    def step_one(self) -> bool:
        """Execute one instruction, charge it, then service timers and interrupts; False if it
        faulted or the run ended (cores use it inside a run: the budget is left alone)."""
        pc = self.cpu.reg("pc")
        try:
            cost = self.model.block(self.cpu.read(pc, 4), pc)
            self.cpu.step(self.core.exec_pc(pc))
        except CpuFault as exc:
            self.fault(exc.kind, exc.pc, _fault_message(exc), exc.address)
            return False
        self.now += cost.before.get(pc + cost.sizes.get(pc, 4), cost.total) if cost.count else 1
        self.instructions += 1
        self._service()
        return self.result is None

    def run_until(self, symbol: str, max_cycles: int = DEFAULT_MAX_CYCLES,
                  timeout: float = DEFAULT_TIMEOUT) -> RunResult:
        """Run until the function ``symbol`` is about to execute (reason 'returned')."""
        return self.run(max_cycles, timeout, until=self.symbol(symbol))

    def run(self, max_cycles: int = DEFAULT_MAX_CYCLES, timeout: float = DEFAULT_TIMEOUT,
            until: int = 0, run_for: int | None = None, idle_ok: bool = False) -> RunResult:
        """Run until the firmware exits, faults, deadlocks, or a budget runs out.

        ``run_for``: model cycles after which the run ends as 'stopped' (firmware that idles
        forever); ``idle_ok``: a core idle with nothing left that can wake it ends as 'stopped'
        instead of 'deadlock'."""
        self.limits = RunLimits.start(self.now, max_cycles, timeout, run_for, idle_ok)
        self.result, self._until = None, until
        self.clock.until = until if until else NO_UNTIL
        self.clock.wall_deadline_ns = int(self.limits.wall_end * 1e9)
        self._set_deadline(min(self.timers.next_event(), self.limits.budget_end))
        start_instr = self.instructions
        while self.result is None:
            self._run_slice(self.limits.wall_end)
        reason, code, message = self.result
        self.emit(RunEnded(self.now, self.instructions, reason, code))
        return RunResult(reason, code, self.now, self.instructions - start_instr,
                         self.output.decode("utf-8", "replace"), message, self.events)

    def extend_wall_clock(self, seconds: float) -> None:
        """Give the run in progress ``seconds`` more wall-clock time (a debugger held it halted:
        model time stood still, so the timeout must too)."""
        self.limits = replace(self.limits, wall_end=self.limits.wall_end + seconds)
        if self.limits.wall_end != float("inf"):
            self.clock.wall_deadline_ns = int(self.limits.wall_end * 1e9)

    # the run loop ----------------------------------------------------------------------------------
    def _run_slice(self, wall_end: float) -> None:
        """One emu_start.  The clock's deadline is already current: set by ``run`` and then by
        ``after_state_change``, the last thing every ``_service`` does."""
        if wall_end - time.monotonic() <= 0:
            self.finish("timeout", None, f"wall-clock timeout {self._where()}{self._polling()}")
            return
        clock = self.clock
        clock.stopped = False
        try:
            self.cpu.start(self.core.exec_pc(self.cpu.reg("pc")), self._until)
        except CpuFault as exc:
            self.fault(exc.kind, exc.pc, _fault_message(exc), exc.address)
        stopped = clock.stopped
        if stopped == "error":
            raise clock.take_error() or RuntimeError("block clock failed")
        if stopped == "timeout":
            self.finish("timeout", None, f"wall-clock timeout {self._where()}{self._polling()}")
        if self.result is None:
            try:
                self._after_slice(stopped)
            except CpuFault as exc:              # an access of the run loop's own (a vector,
                self.fault(exc.kind, exc.pc, _fault_message(exc), exc.address)   # a frame)

    def _after_slice(self, stopped) -> None:
        pc = self.cpu.reg("pc")
        if self._until and pc == self._until:
            self.finish("returned", None)
        elif stopped == "spin" or (not stopped and self.core.idle_at(pc)):
            self._sleep()
        elif stopped == "trap":
            self.core.on_trap(pc)
        if self.result is None:
            self._service(pc)

    def _sleep(self) -> None:
        """WFI or a branch-to-self: skip the clock to the next event that can wake the core."""
        if self.core.wake_pending():
            return
        nxt = self.timers.next_event()
        if nxt >= self.limits.budget_end:
            if nxt == NEVER:
                reason, message = self.limits.idle_forever(self._faulted, self._where())
                self.finish(reason, None, message)
            else:
                self.now = self.limits.budget_end
            return
        self.now = max(self.now, nxt)

    def _polling(self) -> str:
        """``: firmware polls 0x... forever``, when the run ends spinning on an MMIO read."""
        polled = self.bus.polling(self.now)
        return f": {polled}" if polled else ""

    def _where(self) -> str:
        """``at symbol+0xoff (context)`` of the current PC, for run-ending messages."""
        return f"at {self.describe(self.cpu.reg('pc'))} ({self.core.context().name})"

    def _service(self, pc: int | None = None) -> None:
        """Timers, the budget, then the interrupt to take; ``pc``: the current PC if known."""
        self.timers.fire()
        if self.clock.now >= self.limits.budget_end:
            reason, message = self.limits.out_of_cycles(self.now, self._where(), self._polling())
            self.finish(reason, None, message)
            return
        self.core.take_pending(self.cpu.reg("pc") if pc is None else pc)
        self.after_state_change()

    def finish(self, reason: str, code: int | None, message: str = "") -> None:
        if self.result is None:
            self.result = (reason, code, message)
        self.cpu.stop()

    # time ----------------------------------------------------------------------------------------
    def after_state_change(self) -> None:
        """Re-evaluate whether the block hook must watch the interrupt masks, and the deadline.
        The clock's fields are written only when they change (Machine is their only writer)."""
        attention = self.core.held_by_masks()
        if attention != self._attention:
            self._attention = self.clock.attention = attention
        self._set_deadline(min(self.timers.next_event(), self.limits.budget_end))

    def _set_deadline(self, deadline: int) -> None:
        if deadline != self._deadline:
            self._deadline = self.clock.deadline = deadline

    def _pended(self, number: int, name: str) -> None:
        if self.recording():
            cycle = self.now if self.access_cycle is None else self.access_cycle
            self.emit(InterruptPended(cycle, number, name))

    # faults --------------------------------------------------------------------------------------
    def fault(self, kind: str, pc: int, message: str, address: int | None = None,
              location: str | None = None) -> None:
        """Record a fault; enter the firmware's HardFault handler if it has one, else stop."""
        self._faulted = True
        location, self.fault_site = location or self.describe(pc), (pc, address)
        registers = self.core.record_fault(kind)
        self.emit(Fault(self.now, kind, pc, location, message, self.core.context(), address,
                        registers))
        try:
            entered = self.core.enter_fault_handler(pc)
        except CpuFault as exc:                  # e.g. the vector table itself is unmapped
            self.finish("fault", None, f"{kind} at {location}: {message}; entering the fault "
                                       f"handler failed: {_fault_message(exc)}")
            return
        if entered:
            self.after_state_change()
            return
        self.finish("fault", None, f"{kind} at {location}: {message}")

    # console (write_stack, for the cores: frames.FrameWriter.write) -------------------------------
    def console(self, stream: str, data: bytes) -> None:
        """Stream ``data``; keep the first MAX_CONSOLE bytes in ``output``, count the rest."""
        kept = data[:max(MAX_CONSOLE - len(self.output), 0)]
        self.output += kept
        self.console_dropped += len(data) - len(kept)
        if self.console_sink:
            self.console_sink(stream, data)


def _round_up(size: int) -> int:
    return (size + PAGE - 1) & ~(PAGE - 1)


def _fault_message(exc: CpuFault) -> str:
    return f"{exc.kind} at address 0x{exc.address:08x}" if exc.address is not None else exc.kind


def _make_core(machine: Machine, board: Board):
    return core_class(machine.spec)(machine.host, board, machine.model)
