"""``--inject-irq N@CYCLE``: pend interrupt N at model cycle CYCLE, instruction-exactly.

The block clock charges a translated block when it starts, so a timer's interrupt is taken at
the first block boundary at or after its cycle.  An injection is exact to the instruction: an
engine code hook (emulator/debug/stops.py, in C) calls Python only once the clock has reached
the cycle, before each instruction of the block that spans it; at the first instruction that
starts at or after CYCLE (``block_start`` plus the instruction's offset in the block's cost,
emulator/engine/blockpos.py) the clock is wound back to that instruction, the block is cut
there (a PC write restarts translation at it) and the interrupt is pended: it is taken at that
boundary if the masks and priorities let it in, else when they do, as a real request would.
A core asleep in WFI wakes for it (the injector is also a clocked event source).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..debug.stops import CodeStops
from ..errors import BadInput
from .irqs import interrupts_of

_SPEC = re.compile(r"^\s*(\d+)\s*@\s*([\d_,]+)\s*$")


class Injection(NamedTuple):
    number: int
    cycle: int

    def text(self) -> str:
        return f"{self.number}@{self.cycle}"


def parse_injection(text: str) -> Injection:
    """``N@CYCLE`` (the cycle may be written 5_123 or 5,123); bad text is bad input."""
    found = _SPEC.match(text)
    if not found:
        raise BadInput(f"--inject-irq {text!r}: expected N@CYCLE, e.g. 15@5123 "
                       "(N: Cortex-M exception number or Book E INTC source)")
    return Injection(int(found.group(1)), int(found.group(2).replace("_", "").replace(",", "")))


def cut_block_at(machine, pc: int) -> None:
    """From a code hook before the instruction at ``pc``: make the running block end just
    before it (the clock wound back to its start) and stop the engine there.  Stopping also
    keeps the engine from calling the hooks registered after this one for that instruction
    (a call probe at a function's entry): so the injecting hook is registered before the
    probes (session.prepare's ``before_probes``)."""
    clock = machine.clock
    block = clock.block
    if block is not None and pc in block.before:
        clock.now = clock.block_start + block.before[pc]
        clock.instructions -= block.count - block.index_of(pc)
        clock.penalty = 0
    machine.cpu.set_reg("pc", machine.core.exec_pc(pc))
    machine.cpu.stop()


def boundary_cycle(machine, pc: int) -> int:
    """The cycle at which the instruction at ``pc`` of the running block starts."""
    return machine.position.cycle_at(pc)


class Injector:
    """Pends each of ``injections`` at its cycle (module docstring); ``done`` lists
    (injection, cycle, 'symbol+0xoff') of those made, in order; ``on_done(pc)`` is called
    once the last one is pended.  Make it before the probes are attached (``cut_block_at``)."""

    def __init__(self, machine, injections: list[Injection], on_done=None):
        self.machine, self.on_done = machine, on_done
        self.after = None                 # once set: takes the code hook (branches.WindowEnd)
        self.irqs = interrupts_of(machine)
        for item in injections:
            self.irqs.check(item.number, f"--inject-irq {item.text()}")
        self.todo = sorted(injections, key=lambda i: (i.cycle, i.number))
        self.done: list[tuple[Injection, int, str]] = []
        self.stops = CodeStops(machine, self._on_code)
        self._arm()
        machine.timers.peripherals.append(self)

    def _arm(self) -> None:
        self.stops.from_cycle = self.todo[0].cycle if self.todo else None

    # the code hook: the first instruction starting at or after the cycle ------------------------
    def _on_code(self, pc: int) -> None:
        if self.after is not None:
            self.after.on_code(pc)
            return
        if not self.todo or boundary_cycle(self.machine, pc) < self.todo[0].cycle:
            return
        cut_block_at(self.machine, pc)
        self._pend_due(pc)
        self.machine.after_state_change()

    def _pend_due(self, pc: int) -> None:
        now = self.machine.now
        while self.todo and self.todo[0].cycle <= now:
            item = self.todo.pop(0)
            self.irqs.pend(item.number)
            self.done.append((item, now, self.machine.describe(pc)))
        self._arm()
        if not self.todo and self.on_done is not None:
            self.on_done(pc)

    # a clocked event source (machine/clocked.py): wakes WFI, serves block-boundary arrivals -----
    def next_event(self) -> int | None:
        return self.todo[0].cycle if self.todo else None

    def advance(self, now: int) -> None:
        if self.todo and self.todo[0].cycle <= now:
            self._pend_due(self.machine.cpu.reg("pc"))


class PlannedInjections:
    """``run --inject-irq``: the parsed injections, attached as the machine is prepared
    (``attach`` is session.prepare's ``before_probes``), and what became of them."""

    def __init__(self, injections: list[Injection]):
        self.injections, self.injector = injections, None

    def attach(self, machine, rules) -> None:
        if self.injections:
            self.injector = Injector(machine, self.injections)

    def text(self, result) -> str:
        """One line per injection for the run summary: where it was pended, or why not."""
        if self.injector is None:
            return ""
        irqs, lines = self.injector.irqs, []
        for item, cycle, where in self.injector.done:
            lines.append(f"\ninjected: {irqs.name(item.number)} pended at cycle {cycle:,} "
                         f"(asked {item.cycle:,}), before {where}")
        for item in self.injector.todo:
            lines.append(f"\nnot injected: {irqs.name(item.number)} at cycle {item.cycle:,}: "
                         f"the run ended at cycle {result.cycles:,}")
        return "".join(lines)


def injector_for(texts: tuple[str, ...]) -> PlannedInjections:
    return PlannedInjections([parse_injection(t) for t in texts])
