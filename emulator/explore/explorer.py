"""``explore``: one recording run that finds the windows and their points, and a branch per
point with the interrupt delivered there (windows.py, branches.py); merged by summary.py."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..machine.machine import DEFAULT_MAX_CYCLES
from ..machine.runlimits import parse_duration
from .branches import BranchResult, ForkBranches, RerunBranches
from .costs import share_costs
from .irqs import interrupts_of
from .windows import Coverage, Point, Recorder, window_specs

STRATEGIES = ("fork", "rerun")


@dataclass(frozen=True)
class Options:
    board: str | None = None
    rules: str | None = None
    irqs: tuple[int, ...] = ()
    windows: tuple[str, ...] = ()
    stride: int = 1
    max_points: int = 10_000
    jobs: int = 1
    to_end: bool = False
    timeout: float = 600.0
    max_cycles: int = DEFAULT_MAX_CYCLES
    run_for: str | None = None
    idle_ok: bool = False
    via: str = "fork"


@dataclass(frozen=True)
class Exploration:
    image: str
    board: str
    plain: object                      # session.Analysis of the recording run
    points: tuple[Point, ...]
    results: tuple[BranchResult, ...]  # one per point, in point order
    coverage: Coverage
    irq_names: dict
    options: Options
    via: str
    seconds: float                     # wall time of the whole exploration (not in reports)


def explore(image: str, options: Options) -> Exploration:
    """Explore ``image`` (module docstring); bad input raises BadInput before any branch."""
    from ..session import finish_analysis, prepare
    started = time.monotonic()

    def load(before_probes):
        return prepare(image, options.board, options.rules, stream=True,
                       before_probes=before_probes)

    def run(machine):
        cycles = (parse_duration(options.run_for, machine.board.clock_hz)
                  if options.run_for else None)
        return machine.run(options.max_cycles, options.timeout, run_for=cycles,
                           idle_ok=options.idle_ok)

    branches = (ForkBranches(options.jobs, options.to_end) if options.via == "fork"
                else RerunBranches(load, run, options.to_end))

    def attach(machine, rules):
        irqs = interrupts_of(machine)
        for number in options.irqs:
            irqs.check(number, "--irq")
        if options.via == "fork":
            branches.costs = share_costs(machine)
        branches.recorder = Recorder(machine, irqs, window_specs(machine, rules, options.windows),
                                     options.irqs, options.stride, options.max_points,
                                     branches.on_point)
    machine, rules = load(attach)
    recorder, irqs = branches.recorder, branches.recorder.irqs
    if options.via == "fork":
        result = _run_forking(branches, machine, lambda: run(machine))
    else:
        result = run(machine)
    plain = finish_analysis(machine, result, rules, image)
    branches.finish()
    results = tuple(branches.results[p.index] for p in recorder.points)
    names = {n: irqs.name(n) for n in sorted(recorder.coverage.candidates | set(options.irqs))}
    return Exploration(image, machine.board.name, plain, tuple(recorder.points), results,
                       recorder.coverage, names, options, options.via, time.monotonic() - started)


def _run_forking(branches: ForkBranches, machine, run):
    """The recording run; in a forked branch (``branches.child`` set) the same call ends the
    branch's run instead: its result goes to the parent and the child exits here."""
    try:
        result = run()
    except BaseException as exc:
        if branches.child is not None:
            branches.finish_child(error=f"{type(exc).__name__}: {exc}")
        raise
    if branches.child is not None:
        branches.finish_child(machine, result)
    return result
