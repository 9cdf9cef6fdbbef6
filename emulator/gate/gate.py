"""``fwsandbox check`` end to end: collect targets, run them, judge them, write the output files."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from ..machine.machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT
from .baseline import compare, entry_of, load_baseline, write_baseline
from .checks import ImageOutcome, add_regressions, evaluate, exit_code
from .junit import render_junit
from .runner import Progress, default_jobs, run_targets
from .sarif import render_sarif
from .targets import collect_targets, parse_shard, select_shard

DEFAULT_TOLERANCE = 0.0


@dataclass(frozen=True)
class CheckOptions:
    """Everything ``fwsandbox check`` was asked to do (see ``emulator.cli.check``)."""

    inputs: tuple[str, ...]
    board: str | None = None
    rules: str | None = None
    baseline: str | None = None
    update_baseline: bool = False
    tolerance: float = DEFAULT_TOLERANCE
    junit: str | None = None
    sarif: str | None = None
    jobs: int | None = None
    shard: str | None = None
    max_cycles: int = DEFAULT_MAX_CYCLES
    timeout: float = DEFAULT_TIMEOUT
    run_for: str | None = None
    idle_ok: bool = False


@dataclass
class CheckRun:
    """The outcome of a check: per-image outcomes (sorted by id) and the exit code."""

    options: CheckOptions
    outcomes: list[ImageOutcome] = field(default_factory=list)
    baseline_written: bool = False

    @property
    def exit_code(self) -> int:
        return exit_code(self.outcomes)

    @property
    def errors(self) -> list[str]:
        return [o.error for o in self.outcomes if o.error]


def run_check(options: CheckOptions, progress: Progress | None = None) -> CheckRun:
    """Run a whole check; input errors found before running raise ``BadInput``."""
    _validate(options)
    shard = parse_shard(options.shard)
    targets = select_shard(collect_targets(list(options.inputs), options.board, options.rules,
                                           (options.run_for, options.idle_ok)), shard)
    previous = _previous_baseline(options)
    results = run_targets(targets, jobs=options.jobs or default_jobs(),
                          max_cycles=options.max_cycles, timeout=options.timeout,
                          progress=progress)
    compare_with = None if options.update_baseline else previous
    run = CheckRun(options, [evaluate(t, r, compare_with is not None)
                             for t, r in zip(targets, results)])
    if compare_with is not None:
        _judge_against(run.outcomes, compare_with, options.tolerance)
    if options.update_baseline and not run.errors:
        keep = previous if shard is not None else {}
        write_baseline(options.baseline, _updated(keep, run.outcomes))
        run.baseline_written = True
    _write_reports(run)
    return run


def _validate(options: CheckOptions) -> None:
    if options.update_baseline and not options.baseline:
        raise BadInput("--update-baseline needs --baseline FILE.json")
    if not math.isfinite(options.tolerance) or options.tolerance < 0:
        raise BadInput(f"--tolerance {options.tolerance:g}: expected a percentage >= 0")
    if options.jobs is not None and options.jobs < 1:
        raise BadInput(f"--jobs {options.jobs}: expected at least 1")
    _validate_paths(options)


def _validate_paths(options: CheckOptions) -> None:
    """Command-line input files exist and output files can be created, before anything runs."""
    for given, what in ((options.rules, "rules"), (options.board, "board")):
        if given and (what == "rules" or given.endswith(".toml")) and not Path(given).is_file():
            raise BadInput(f"{given}: no such {what} file")
    outputs = [options.junit, options.sarif, options.baseline if options.update_baseline else None]
    for output in filter(None, outputs):
        if Path(output).is_dir() or not Path(output).absolute().parent.is_dir():
            raise BadInput(f"{output}: cannot write: a directory, or in no such directory")


def _previous_baseline(options: CheckOptions) -> dict | None:
    """The baseline's image entries; an existing file is checked even when it will be rewritten."""
    if not options.baseline:
        return None
    if options.update_baseline and not Path(options.baseline).exists():
        return {}
    return load_baseline(options.baseline)


def _judge_against(outcomes: list[ImageOutcome], baseline: dict, tolerance: float) -> None:
    for outcome in outcomes:
        if outcome.report is not None:
            old = baseline.get(outcome.target.id)
            add_regressions(outcome, compare(old, entry_of(outcome.report), tolerance))


def _updated(previous: dict, outcomes: list[ImageOutcome]) -> dict:
    images = dict(previous)
    images.update({o.target.id: entry_of(o.report) for o in outcomes if o.report is not None})
    return images


def _write_reports(run: CheckRun) -> None:
    if run.options.junit:
        _write(run.options.junit, render_junit(run.outcomes))
    if run.options.sarif:
        _write(run.options.sarif, render_sarif(run.outcomes, run.exit_code))


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write: {exc.strerror}") from None
