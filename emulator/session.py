"""One analysed run: machine + rules + probes + detectors + report, for the CLI and the API."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .detectors import DetectorSet, Results, run_detectors
from .machine.machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT, Machine, RunResult
from .probes.masks import mask_probe
from .probes.native import call_probe, stack_probe
from .report import Report, build_report, object_namer
from .rules.model import Rules
from .probes.watch import Watch, resolve
from .machine.runlimits import parse_duration


@dataclass(frozen=True)
class Analysis:
    machine: Machine
    result: RunResult
    results: Results
    report: Report


def watch_for(machine: Machine, rules_path=None, profiles: tuple[str, ...] = (),
              auto: bool = True) -> Watch:
    """The effective rules of the loaded image: the profiles its symbols enable (and any named
    in ``profiles``; only those with ``auto`` false), the user's rules file over them, and the
    interrupt stack.  Every symbol the user's file names must exist in the image (exit 2
    otherwise); profile functions the image lacks are simply not watched."""
    return resolve(machine.image.symbols.by_name, machine.core.arch,
                   lambda: _vector0(machine), rules_path, profiles, auto)


def prepare(image: str | Path, board=None, rules_path=None, base: int | None = None,
            symbols=None, profiles: tuple[str, ...] = (), auto: bool = True,
            stream: bool = False, masks: bool | None = None,
            timeline: bool = False, before_probes=None) -> tuple[Machine, Rules]:
    """Load the machine and its effective rules (``watch_for``) and attach the probes they ask
    for; ``machine.watch`` keeps what is watched, for the report.  With ``stream`` the
    detectors take the events as they happen and none are kept (``finish_analysis`` reads
    them): memory stays bounded however long the run; ``RunResult.events`` is then None.
    ``masks``: watch the interrupt masks (probes/masks.py: a Python call per masking
    instruction run, 1.6-2x on allocation-heavy firmware); None: only when the rules have a
    masked_cycles or latency_cycles budget.  ``timeline``: keep the interrupt events the HTML
    report draws (up to detectors/timeline.CAP).  ``before_probes(machine, rules)`` runs
    before any probe is attached: engine hooks it adds run before theirs at an instruction
    (--inject-irq cuts a block ahead of a probe, emulator/explore/inject.py)."""
    machine = Machine.load(image, board, base, symbols=symbols)
    watch = watch_for(machine, rules_path, profiles, auto)
    rules = watch.rules
    if before_probes is not None:
        before_probes(machine, rules)
    if watch.stack.watched:
        stack_probe(machine, rules.isr_stack.name, rules.isr_stack.base, rules.isr_stack.top)
    if rules.watched:
        call_probe(machine, list(rules.watched))
    machine.masks_watched = masks if masks is not None else rules.budgets.wants_masks
    if machine.masks_watched:
        mask_probe(machine)
    machine.watch = watch
    if stream:
        _stream_detectors(machine, rules, timeline)
    return machine, rules


def analyse(image, board=None, rules_path=None, max_cycles: int = DEFAULT_MAX_CYCLES,
            timeout: float = DEFAULT_TIMEOUT, base=None, symbols=None, console=None,
            run_for: str | int | None = None, idle_ok: bool = False,
            profiles: tuple[str, ...] = (), auto: bool = True,
            masks: bool | None = None, timeline: bool = False) -> Analysis:
    """Prepare and run ``image``; ``run_for`` (cycles or model time, runlimits.parse_duration
    at the board's clock) and ``idle_ok`` end a never-exiting run well (Machine.run)."""
    machine, rules = prepare(image, board, rules_path, base, symbols, profiles, auto, stream=True,
                             masks=masks, timeline=timeline)
    machine.console_sink = console
    cycles = parse_duration(run_for, machine.board.clock_hz) if run_for is not None else None
    result = machine.run(max_cycles, timeout, run_for=cycles, idle_ok=idle_ok)
    return finish_analysis(machine, result, rules, image)


def finish_analysis(machine: Machine, result: RunResult, rules: Rules, image) -> Analysis:
    """Run the detectors over a finished run's events and build its report."""
    watch = getattr(machine, "watch", None)
    live = getattr(machine, "detectors", None)
    results = live.results() if live is not None else run_detectors(
        result.events, rules, object_namer(machine.image.symbols.by_name.values()))
    report = build_report(results, image_path=str(image), image_sha256=machine.image.sha256,
                          board=machine.board.name, cycle_model=machine.model.name,
                          cycle_model_version=machine.model.version, exit_reason=result.reason,
                          exit_code=result.code, cycles=result.cycles,
                          instructions=result.instructions, source_of=machine.image.source,
                          watch=watch.summary if watch is not None else None,
                          masks_watched=getattr(machine, "masks_watched", False), rules=rules,
                          not_modelled=tuple(machine.core.notes()),
                          model_notes=machine.model.notes())
    return Analysis(machine, result, results, report)


def _vector0(machine: Machine) -> int | None:
    """The initial main stack pointer: word 0 of the vector table at VTOR (Cortex-M)."""
    scs = getattr(machine.core, "scs", None)
    try:
        return int.from_bytes(machine.read(scs.vtor if scs else 0, 4), "little") or None
    except Exception:       # unmapped: no vector table there
        return None


def _stream_detectors(machine: Machine, rules: Rules, timeline: bool = False) -> None:
    """Feed the detectors as events happen and keep no event list: memory stays bounded
    however long the run (an interrupt storm emits millions of events)."""
    detectors = DetectorSet(rules, object_namer(machine.image.symbols.by_name.values()), timeline)
    for event in machine.events or ():
        detectors.feed(event)
    machine.events = None
    machine.subscribe(detectors.feed, *detectors.classes)
    machine.detectors = detectors
