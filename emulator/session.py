"""One analysed run: machine + rules + probes + detectors + report, for the CLI and the API."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .detectors import DetectorSet, Results, run_detectors
from .machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT, Machine, RunResult
from .nativeprobes import call_probe, stack_probe
from .report import Report, build_report, object_namer
from .rules import Rules, load_rules
from .runlimits import parse_duration


@dataclass(frozen=True)
class Analysis:
    machine: Machine
    result: RunResult
    results: Results
    report: Report


def prepare(image: str | Path, board=None, rules_path=None, base: int | None = None,
            symbols=None, stream: bool = False) -> tuple[Machine, Rules]:
    """Load the machine and rules, and attach the probes the rules ask for.  With ``stream``
    the detectors take the events as they happen and none are kept (``finish_analysis`` reads
    them): memory stays bounded however long the run; ``RunResult.events`` is then None.

    With a user's rules file every symbol it names must exist in the image (exit 2 otherwise).
    The shipped default rules name all our allocators and the ``__isr_stack_*`` symbols: for
    them, functions the image lacks are not watched, and the stack is watched only if present.
    """
    machine = Machine.load(image, board, base, symbols=symbols)
    rules = load_rules(rules_path)
    present = _symbol_map(machine)
    strict = rules_path is not None
    if strict or not rules.missing_symbols(present, functions=False):
        rules = rules.bind(present, functions=strict)
        stack_probe(machine, rules.isr_stack.name, rules.isr_stack.base, rules.isr_stack.top)
    watched = [name for name in rules.watched if name in present]
    if watched:
        call_probe(machine, watched)
    if stream:
        _stream_detectors(machine, rules)
    return machine, rules


def analyse(image, board=None, rules_path=None, max_cycles: int = DEFAULT_MAX_CYCLES,
            timeout: float = DEFAULT_TIMEOUT, base=None, symbols=None, console=None,
            run_for: str | int | None = None, idle_ok: bool = False) -> Analysis:
    """Prepare and run ``image``; ``run_for`` (cycles or model time, runlimits.parse_duration
    at the board's clock) and ``idle_ok`` end a never-exiting run well (Machine.run)."""
    machine, rules = prepare(image, board, rules_path, base, symbols, stream=True)
    machine.console_sink = console
    cycles = parse_duration(run_for, machine.board.clock_hz) if run_for is not None else None
    result = machine.run(max_cycles, timeout, run_for=cycles, idle_ok=idle_ok)
    return finish_analysis(machine, result, rules, image)


def finish_analysis(machine: Machine, result: RunResult, rules: Rules, image) -> Analysis:
    """Run the detectors over a finished run's events and build its report."""
    live = getattr(machine, "detectors", None)
    results = live.results() if live is not None else run_detectors(
        result.events, rules, object_namer(machine.image.symbols.by_name.values()))
    report = build_report(results, image_path=str(image), image_sha256=machine.image.sha256,
                          board=machine.board.name, cycle_model=machine.model.name,
                          cycle_model_version=machine.model.version, exit_reason=result.reason,
                          exit_code=result.code, cycles=result.cycles,
                          instructions=result.instructions, source_of=machine.image.source)
    return Analysis(machine, result, results, report)


def _symbol_map(machine: Machine) -> dict[str, int]:
    return {name: sym.addr for name, sym in machine.image.symbols.by_name.items()}


def _stream_detectors(machine: Machine, rules: Rules) -> None:
    """Feed the detectors as events happen and keep no event list: memory stays bounded
    however long the run (an interrupt storm emits millions of events)."""
    detectors = DetectorSet(rules, object_namer(machine.image.symbols.by_name.values()))
    for event in machine.events or ():
        detectors.feed(event)
    machine.events = None
    machine.subscribe(detectors.feed, *detectors.classes)
    machine.detectors = detectors
