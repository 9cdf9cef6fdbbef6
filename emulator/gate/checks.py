"""The checks of ``fwsandbox check``: one verdict per image and check, from a worker result.

The check names are the JUnit test-case names and the SARIF rule ids. Findings map to checks by
kind, except budget overruns: ``alloc-cycles`` findings are ``cycle-budget`` and the
``isr-stack-overflow`` finding of a high-water mark over ``budgets.isr_stack_bytes`` (no pc, a
``budget`` detail) is ``stack-budget``. A finding kind this module does not know yet gets a
check of its own name, so a new detector is never silently ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .targets import Target

# name -> (short description, full description)
CHECKS: dict[str, tuple[str, str]] = {
    "run-exit": ("The firmware ran to completion and exited 0",
                 "The run must end by the firmware exiting with code 0, or running for the "
                 "time it was given (run_for) or going idle when allowed (idle_ok): a fault, "
                 "the cycle budget, the wall-clock timeout, a deadlock or a nonzero exit code "
                 "fails it."),
    "alloc-in-isr": ("Allocation that is not interrupt-safe called from interrupt context",
                     "An allocator that may wait, a general-purpose heap or an allocator without "
                     "masking was called from an interrupt handler (the firmware counterpart of "
                     "'sleeping function called from invalid context')."),
    "blocking-in-isr": ("Function that may sleep or wait called from interrupt context",
                        "A blocking RTOS or library call (a delay, a semaphore or mutex take, a "
                        "queue operation with a timeout) was made from an interrupt handler, "
                        "where it must not wait (Linux 'might_sleep'; the rules say which calls "
                        "are safe only with a zero timeout)."),
    "isr-stack-overflow": ("Interrupt stack overflow",
                           "A write (or an exception frame push) went below the base of the "
                           "dedicated interrupt stack, nested interrupts included."),
    "allocator-reentry": ("Allocator re-entered from an interrupt",
                          "An interrupt entered an allocator group that is not reentrant while "
                          "the interrupted code was inside it with interrupts enabled."),
    "heap-integrity": ("Heap integrity (double free, invalid free, overlap)",
                       "A free of a block the allocator never returned or already freed, or "
                       "overlapping live blocks."),
    "fault": ("CPU fault", "An unmapped access, undefined instruction or invalid exception "
                           "return."),
    "cycle-budget": ("Allocation cycle budget exceeded",
                     "The max or p99 exclusive cycles of an allocation function in one context "
                     "exceed the rules' [budgets.cycles.<function>]."),
    "stack-budget": ("Interrupt stack budget exceeded",
                     "The interrupt-stack high-water mark exceeds the rules' "
                     "budgets.isr_stack_bytes."),
    "isr-cycles": ("Interrupt handler path length budget exceeded",
                   "A handler's slowest invocation (cycles from its first instruction to the end "
                   "of its return, exclusive of nested interrupts) exceeds the rules' "
                   "budgets.isr_cycles."),
    "masked-cycles": ("Interrupts-masked section budget exceeded",
                      "A stretch of code run with interrupts masked (PRIMASK, BASEPRI, "
                      "FAULTMASK; Book E MSR[EE] = 0) is longer than the rules' "
                      "budgets.masked_cycles."),
    "latency-cycles": ("Interrupt latency budget exceeded",
                       "An interrupt's worst latency (cycles from becoming pending to its "
                       "handler's first instruction) exceeds the rules' budgets.latency_cycles."),
    "baseline-regression": ("Regression against the committed baseline",
                            "A finding that the baseline does not have, or an allocation's "
                            "p99/max cycles, a stack high-water mark, a handler's path length, "
                            "an interrupt's latency or a masked section grown by more than the "
                            "tolerance."),
}


@dataclass
class ImageOutcome:
    """One image's verdicts: ``failures[check]`` lists what failed it (empty: passed)."""

    target: Target
    report: dict | None = None
    error: str | None = None
    exit_message: str = ""
    failures: dict[str, list[dict]] = field(default_factory=dict)
    regressions: list[dict] = field(default_factory=list)

    @property
    def findings(self) -> list[dict]:
        return list(self.report["findings"]) if self.report else []

    @property
    def passed(self) -> bool:
        return self.error is None and not any(self.failures.values())

    def checks(self) -> list[str]:
        """Check names in display order: the known ones, then any new finding kinds."""
        known = [name for name in CHECKS if name in self.failures]
        return known + sorted(set(self.failures) - set(CHECKS))


def check_of(finding: dict) -> str:
    """The check a finding fails."""
    kind = finding.get("kind", "")
    if kind == "alloc-cycles":
        return "cycle-budget"
    if kind == "isr-stack-overflow" and finding.get("pc") is None \
            and "budget" in finding.get("details", {}):
        return "stack-budget"
    return kind


def evaluate(target: Target, result: dict, with_baseline: bool) -> ImageOutcome:
    """The outcome of one worker result, before any baseline comparison."""
    if "error" in result:
        return ImageOutcome(target, error=result["error"])
    outcome = ImageOutcome(target, report=result["report"],
                           exit_message=result.get("exit_message", ""))
    names = [name for name in CHECKS if with_baseline or name != "baseline-regression"]
    outcome.failures = {name: [] for name in names}
    exit_failure = run_exit_failure(result["report"], outcome.exit_message)
    if exit_failure:
        outcome.failures["run-exit"].append(exit_failure)
    for finding in outcome.findings:
        outcome.failures.setdefault(check_of(finding), []).append(finding)
    return outcome


def run_exit_failure(report: dict, message: str) -> dict | None:
    """A failure record when the run did not end well: the firmware exiting 0, or stopped
    after the time it was given (run_for) or idle when that was allowed (idle_ok)."""
    end = report["exit"]
    if end["reason"] == "stopped" or (end["reason"] == "exit" and end["code"] == 0):
        return None
    text = f"run ended: {end['reason']}"
    if end["code"] is not None:
        text += f" (code {end['code']})"
    if message:
        text += f": {message}"
    return {"kind": "run-exit", "message": text, "location": "", "function": None,
            "pc": None, "context": {}, "details": {}}


def add_regressions(outcome: ImageOutcome, regressions: list[dict]) -> None:
    """Record baseline regressions (each a failure record of the ``baseline-regression`` check)."""
    outcome.regressions = list(regressions)
    outcome.failures.setdefault("baseline-regression", []).extend(regressions)


def exit_code(outcomes: list[ImageOutcome]) -> int:
    """2 when an image was bad input, 1 when any check failed, else 0."""
    if any(o.error for o in outcomes):
        return 2
    return 0 if all(o.passed for o in outcomes) else 1
