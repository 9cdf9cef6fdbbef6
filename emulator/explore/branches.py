"""Running the branches of an exploration: from a fork of the recording run at the boundary
itself (``ForkBranches``), or again from reset with an injection (``RerunBranches``).

A fork is a snapshot of the whole machine — Unicorn's memory and CPU, the block clock's C
state, the Python model (NVIC/INTC, timers, probes, detectors) — made copy-on-write by the
kernel at the cost of one ``fork()``, exact by construction; the branch runs in the child and
sends its findings back through a pipe.  Rerunning from reset is what ``fwsandbox run
--inject-irq`` does: the replay command of every finding.  Both give the same branches
(tests/test_explore.py); which is faster is measured by tools/bench.py.
"""
from __future__ import annotations

import gc
import os
import pickle
from dataclasses import replace
from typing import NamedTuple

from ..debug.stops import CodeStops
from .inject import Injection, Injector, cut_block_at
from .irqs import depth_of
from .shared import SharedWrites
from .windows import Occurrence, Point

BRANCH_CYCLES = 2_000_000          # a branch that never gets back to its window's end stops here


class BranchResult(NamedTuple):
    index: int
    reason: str                    # the branch run's end: 'window' (its window ended), 'exit', ...
    cycles: int
    findings: tuple
    error: str = ""


class WindowEnd:
    """Where a branch stops: its window's end (Occurrence.ends_at), unless ``to_end``; in a
    ``--window`` window it also watches for lost updates (shared.SharedWrites)."""

    def __init__(self, machine, stops: CodeStops, occ: Occurrence, to_end: bool, irq: str):
        self.machine, self.stops, self.occ = machine, stops, occ
        self.active = not to_end
        self.shared = (SharedWrites(machine, occ.spec.name, occ.depth, irq) if occ.spec.user
                       else None)
        for addr in list(stops.breaks):
            stops.remove_break(addr)
        stops.halt = False
        if self.active:
            if occ.spec.end is None:
                stops.add_break(occ.ret)
            else:
                stops.halt = True
        machine.limits = replace(machine.limits,
                                 budget_end=min(machine.limits.budget_end,
                                                machine.now + BRANCH_CYCLES))

    def on_code(self, pc: int) -> None:
        m = self.machine
        if self.active and self.occ.ends_at(pc, m.cpu.reg("sp"), depth_of(m)):
            self.active = False
            m.finish("window", None, f"end of the window {self.occ.label}")


def deliver_here(machine, irqs, number: int, pc: int) -> None:
    """From the code hook before ``pc``: cut the block there and pend ``number``."""
    cut_block_at(machine, pc)
    irqs.pend(number)
    machine.after_state_change()


def branch_result(index: int, machine, result, end: WindowEnd | None) -> BranchResult:
    """A branch's end and its detectors' findings (no report is built for a branch)."""
    found = tuple(machine.detectors.results().findings)
    if end is not None and end.shared is not None:
        found += tuple(end.shared.found)
    return BranchResult(index, result.reason, result.cycles, found)


class ForkBranches:
    """Branches run in forked children of the recording run, up to ``jobs`` at once."""

    name = "fork"

    def __init__(self, jobs: int, to_end: bool):
        self.jobs, self.to_end = jobs, to_end
        self.running: list[tuple[int, int, int]] = []       # (index, pid, read fd)
        self.results: dict[int, BranchResult] = {}
        self.child: Point | None = None
        self.recorder = None
        self.costs = None                  # costs.SharedCosts of the recording machine

    def on_point(self, point: Point, occ: Occurrence) -> None:
        read, write = os.pipe()
        gc.freeze()                 # the collector then leaves the parent's objects (and the
        pid = os.fork()             # pages they live on) alone in the child: fewer COW copies
        if pid == 0:
            gc.disable()
            os.close(read)
            self._become(point, occ, write)
            return
        os.close(write)
        self.running.append((point.index, pid, read))
        while len(self.running) >= self.jobs:
            self._collect(*self.running.pop(0))

    def _become(self, point: Point, occ: Occurrence, fd: int) -> None:
        """In the child: deliver the interrupt at this boundary and run on to the window end."""
        self.child, self.fd, self.running = point, fd, []
        if self.costs is not None:
            self.costs.take_fresh()            # only what this branch costs goes back
        rec = self.recorder
        m = rec.machine
        rec.branch = WindowEnd(m, rec.stops, occ, self.to_end, rec.irqs.name(point.number))
        deliver_here(m, rec.irqs, point.number, point.pc)

    def finish_child(self, machine=None, run=None, error: str = "") -> None:
        """In the child, once its run has ended: send the result and leave (never returns)."""
        try:
            result = (branch_result(self.child.index, machine, run, self.recorder.branch)
                      if machine is not None
                      else BranchResult(self.child.index, "error", 0, (), error))
            costs = self.costs.take_fresh() if self.costs is not None else {}
            data = pickle.dumps((result, costs))
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        finally:
            os._exit(0)

    def finish(self) -> None:
        while self.running:
            self._collect(*self.running.pop(0))

    def _collect(self, index: int, pid: int, fd: int) -> None:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        if chunks:
            self.results[index], costs = pickle.loads(b"".join(chunks))
            if self.costs is not None:
                self.costs.learn(costs)
        else:
            self.results[index] = BranchResult(index, "error", 0, (),
                                               f"the branch process ended with status {status}")


class RerunBranches:
    """Each branch a fresh machine from reset, the interrupt injected at the point's cycle
    (inject.Injector: what ``fwsandbox run --inject-irq`` does)."""

    name = "rerun"

    def __init__(self, load, run, to_end: bool):
        self.load, self.run, self.to_end = load, run, to_end   # load(before_probes) -> (m, rules)
        self.todo: list[tuple[Point, Occurrence]] = []
        self.results: dict[int, BranchResult] = {}
        self.child = None

    def on_point(self, point: Point, occ: Occurrence) -> None:
        self.todo.append((point, occ))

    def finish(self) -> None:
        for point, occ in self.todo:
            self.results[point.index] = self._one(point, occ)

    def _one(self, point: Point, occ: Occurrence) -> BranchResult:
        made = []

        def attach(machine, rules):
            def injected(pc: int) -> None:
                injector.after = WindowEnd(machine, injector.stops, occ, self.to_end,
                                           injector.irqs.name(point.number))
            injector = Injector(machine, [Injection(point.number, point.cycle)], injected)
            made.append(injector)
        machine, _ = self.load(attach)
        result = self.run(machine)
        return branch_result(point.index, machine, result, made[0].after)
