"""Runs check targets, in worker processes when asked; workers return plain JSON-able data.

Contract of a worker result (``run_target``)::

    {"id": target id, "report": the report document of ``emulator.report.report_doc``,
     "exit_message": why the run ended, in words ("" when it simply exited)}
    or {"id": target id, "error": one-line BadInput/FwError message}

No Unicorn or Machine object ever crosses a process boundary. ``run_targets`` returns the
results in the order of its targets whatever order the workers finish in, so ``--jobs N``
gives the same output as ``--jobs 1``.
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from typing import Callable

from ..errors import FwError
from .targets import Target

Progress = Callable[[int, int, dict], None]


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:                           # not Linux
        return os.cpu_count() or 1


def run_target(job: dict) -> dict:
    """Analyse one image (``job``: a ``Target`` as a dict plus max_cycles and timeout)."""
    from ..report import report_doc
    from ..session import analyse
    try:
        if job.get("explore"):
            return _explored(job)
        analysis = analyse(job["image"], job["board"], job["rules"], job["max_cycles"],
                           job["timeout"], run_for=job["run_for"], idle_ok=job["idle_ok"])
    except FwError as exc:
        return {"id": job["id"], "error": str(exc)}
    except Exception as exc:                        # a bug: one line, and the other images go on
        return {"id": job["id"], "error": internal_error(exc)}
    return {"id": job["id"], "report": report_doc(analysis.report),
            "exit_message": analysis.result.message or ""}


def _explored(job: dict) -> dict:
    """A target with ``explore = true``: the plain run's report, the exploration's findings
    added to its findings (each with its schedule and replay command) and its coverage."""
    from ..explore import Options, explore
    from ..explore.summary import coverage_doc, explored_finding_docs
    from ..report import report_doc
    found = explore(job["image"], Options(board=job["board"], rules=job["rules"],
                                          max_cycles=job["max_cycles"], timeout=job["timeout"],
                                          run_for=job["run_for"], idle_ok=job["idle_ok"]))
    doc = report_doc(found.plain.report)
    doc["findings"] = doc["findings"] + explored_finding_docs(found)
    doc["explore"] = coverage_doc(found)
    return {"id": job["id"], "report": doc, "exit_message": found.plain.result.message or ""}


def run_targets(targets: list[Target], *, jobs: int, max_cycles: int, timeout: float,
                progress: Progress | None = None) -> list[dict]:
    """Every target's worker result, in the order of ``targets``.

    ``jobs`` 1 (or a single target) runs in this process; more uses a process pool of at most
    ``jobs`` workers. ``progress(done, total, result)`` is called as each target finishes.
    """
    work = [dict(asdict(t), max_cycles=max_cycles, timeout=timeout) for t in targets]
    if jobs <= 1 or len(work) <= 1:
        return _in_process(work, progress)
    return _in_pool(work, min(jobs, len(work)), progress)


def _in_process(work: list[dict], progress: Progress | None) -> list[dict]:
    results = []
    for job in work:
        results.append(run_target(job))
        if progress:
            progress(len(results), len(work), results[-1])
    return results


def internal_error(exc: BaseException) -> str:
    """One line for an exception that is a fwsandbox bug: its type, message and where."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"internal error: {type(exc).__name__}{where}" + (f": {text}" if text else "")


def _in_pool(work: list[dict], workers: int, progress: Progress | None) -> list[dict]:
    """Every job in a pool; jobs a dead worker took down (BrokenProcessPool) are run again,
    one fresh single-worker pool each, so one crashing image fails alone."""
    results: list[dict | None] = [None] * len(work)
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        futures = {pool.submit(run_target, job): index for index, job in enumerate(work)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                results[index] = future.result()
            except BrokenProcessPool:
                continue
            except Exception as exc:
                results[index] = {"id": work[index]["id"], "error": internal_error(exc)}
            done += 1
            if progress:
                progress(done, len(work), results[index])
    for index, result in enumerate(results):
        if result is None:
            results[index] = _alone(work[index])
            done += 1
            if progress:
                progress(done, len(work), results[index])
    return results


def _alone(job: dict) -> dict:
    """One job in a worker of its own: its result, or an error if that worker died too."""
    with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
        try:
            return pool.submit(run_target, job).result()
        except BrokenProcessPool:
            return {"id": job["id"], "error": "internal error: the worker process running this "
                                              "image died (a crash of the engine)"}
        except Exception as exc:
            return {"id": job["id"], "error": internal_error(exc)}


def _context():
    """``fork`` where the platform has it: workers start without re-importing the engines."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)
