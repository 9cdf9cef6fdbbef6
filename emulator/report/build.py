"""Assemble a ``Report`` from detector results and the run's identity (image, board, model)."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from .model import Finding, Report

MASKS_OFF = ("interrupt masks were not watched in this run (fwsandbox report watches them, run and "
             "check with a masked_cycles or latency_cycles budget): no masked sections, and no "
             "latency is put down to a mask")
SourceOf = Callable[[int], "tuple[str, int] | None"]


def build_report(results, *, image_path: str, image_sha256: str, board: str, cycle_model: str,
                 cycle_model_version: str, exit_reason: str | None = None,
                 exit_code: int | None = None, cycles: int | None = None,
                 instructions: int | None = None, source_of: SourceOf | None = None,
                 watch=None, masks_watched: bool = True, rules=None,
                 not_modelled: tuple[str, ...] = (),
                 model_notes: tuple[str, ...] = ()) -> Report:
    """A ``Report`` from ``results`` (``emulator.detectors.Results``).

    Exit reason/code, cycles and instructions come from the results' ``RunEnded`` event unless
    given explicitly; without either they are 'unknown', None, 0 and 0.  ``source_of(pc)``
    (normally ``Image.source``) gives each finding with a ``pc`` its (file, line); it is only
    called when there are findings, so a clean run never reads DWARF.  ``model_notes``: what the
    cycle model could not see in this run (wait states it does not charge, ...), kept with the
    timing notes.
    """
    run = results.run
    return Report(
        image_path=image_path, image_sha256=image_sha256, board=board, cycle_model=cycle_model,
        cycle_model_version=cycle_model_version,
        exit_reason=exit_reason or (run.reason if run else "unknown"),
        exit_code=exit_code if exit_code is not None else (run.code if run else None),
        cycles=cycles if cycles is not None else (run.cycle if run else 0),
        instructions=instructions if instructions is not None else (run.instructions if run else 0),
        findings=with_sources(results.findings, source_of), allocations=results.allocations, stacks=results.stacks,
        interrupts=results.interrupts, heaps=results.heaps, calls=results.calls,
        unreturned=results.unreturned, watch=watch,
        handlers=getattr(results, "handlers", ()), latencies=getattr(results, "latencies", ()),
        masked=getattr(results, "masked", ()), masked_longest=getattr(results, "masked_longest", ()),
        timeline=getattr(results, "timeline", None), timing_notes=timeline_notes(results) + (() if masks_watched else (MASKS_OFF,))
        + tuple(f"cycle model: {note}" for note in model_notes),
        budget_lines=budget_lines(rules, results) if rules is not None else (),
        not_modelled=tuple(not_modelled))


def with_sources(findings: Iterable[Finding], source_of: SourceOf | None) -> tuple[Finding, ...]:
    """``findings`` with ``source`` set from each one's ``pc`` (unchanged without ``source_of``)."""
    if source_of is None:
        return tuple(findings)
    return tuple(replace(f, source=source_of(f.pc)) if f.pc is not None else f for f in findings)


def timeline_notes(results) -> tuple[str, ...]:
    """A note when the timeline kept for the pictures stopped at its cap."""
    timeline = getattr(results, "timeline", None)
    if timeline is None or not timeline.dropped:
        return ()
    return (f"timeline: {timeline.dropped} events after cycle {timeline.first_dropped} not kept "
            f"for the pictures (the tables count every event)",)


def budget_lines(rules, results) -> tuple[tuple[str, str, int], ...]:
    """The budget each picture draws: allocation max cycles, handler path length, latency and
    masked-section limits, for the names the results have."""
    budgets, lines = rules.budgets, []
    for stats in results.allocations:
        limit = budgets.cycles_for(stats.function)
        if limit is not None and limit.max is not None:
            lines.append(("alloc", stats.function, limit.max))
    lookups = (("isr", getattr(results, "handlers", ()), lambda s: budgets.isr_cycles_for(s.handler)),
               ("latency", getattr(results, "latencies", ()), lambda s: budgets.latency_for(s.handler, s.name)),
               ("masked", getattr(results, "masked", ()), lambda s: budgets.masked_for(s.function)))
    for table, stats, limit_of in lookups:
        for item in stats:
            limit = limit_of(item)
            if limit is not None:
                lines.append((table, getattr(item, "function", None) or item.handler, limit))
    return tuple(sorted(set(lines)))
