"""Assemble a ``Report`` from detector results and the run's identity (image, board, model)."""
from __future__ import annotations

from .model import Report


def build_report(results, *, image_path: str, image_sha256: str, board: str, cycle_model: str,
                 cycle_model_version: str, exit_reason: str | None = None,
                 exit_code: int | None = None, cycles: int | None = None,
                 instructions: int | None = None) -> Report:
    """A ``Report`` from ``results`` (``emulator.detectors.Results``).

    Exit reason/code, cycles and instructions come from the results' ``RunEnded`` event unless
    given explicitly; without either they are 'unknown', None, 0 and 0.
    """
    run = results.run
    return Report(
        image_path=image_path, image_sha256=image_sha256, board=board, cycle_model=cycle_model,
        cycle_model_version=cycle_model_version,
        exit_reason=exit_reason or (run.reason if run else "unknown"),
        exit_code=exit_code if exit_code is not None else (run.code if run else None),
        cycles=cycles if cycles is not None else (run.cycle if run else 0),
        instructions=instructions if instructions is not None else (run.instructions if run else 0),
        findings=results.findings, allocations=results.allocations, stacks=results.stacks,
        interrupts=results.interrupts, heaps=results.heaps, calls=results.calls)
