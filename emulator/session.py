"""One analysed run: machine + rules + probes + detectors + report, for the CLI and the API."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .detectors import Results, run_detectors
from .machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT, Machine, RunResult
from .probes import CallProbe, StackProbe
from .report import Report, build_report
from .rules import Rules, load_rules


@dataclass(frozen=True)
class Analysis:
    machine: Machine
    result: RunResult
    results: Results
    report: Report


def prepare(image: str | Path, board=None, rules_path=None, base: int | None = None,
            symbols=None) -> tuple[Machine, Rules]:
    """Load the machine and rules, and attach the probes the rules ask for.

    Functions named by the rules but absent from the image are not watched (the default rules
    name all our allocators; an image links only some); stack symbols must exist.
    """
    machine = Machine.load(image, board, base, symbols=symbols)
    rules = load_rules(rules_path)
    present = {name: addr for name, addr in _symbol_map(machine).items()}
    bound = rules.bind(present, functions=rules_path is not None)
    watched = [name for name in bound.watched if name in present]
    if watched:
        CallProbe(machine, watched)
    StackProbe(machine, bound.isr_stack.name, bound.isr_stack.base, bound.isr_stack.top)
    return machine, bound


def analyse(image, board=None, rules_path=None, max_cycles: int = DEFAULT_MAX_CYCLES,
            timeout: float = DEFAULT_TIMEOUT, base=None, symbols=None, console=None) -> Analysis:
    machine, rules = prepare(image, board, rules_path, base, symbols)
    machine.console_sink = console
    return finish_analysis(machine, machine.run(max_cycles, timeout), rules, image)


def finish_analysis(machine: Machine, result: RunResult, rules: Rules, image) -> Analysis:
    """Run the detectors over a finished run's events and build its report."""
    results = run_detectors(result.events, rules)
    report = build_report(results, image_path=str(image), image_sha256=machine.image.sha256,
                          board=machine.board.name, cycle_model=machine.model.name,
                          cycle_model_version=machine.model.version, exit_reason=result.reason,
                          exit_code=result.code, cycles=result.cycles,
                          instructions=result.instructions)
    return Analysis(machine, result, results, report)


def _symbol_map(machine: Machine) -> dict[str, int]:
    return {name: sym.addr for name, sym in machine.image.symbols.by_name.items()}
