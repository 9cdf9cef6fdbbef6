"""The human summary of a check on stdout: a line per image, its failures indented, a total."""
from __future__ import annotations

from .checks import ImageOutcome
from .gate import CheckRun

_MESSAGE_ONLY = ("run-exit", "baseline-regression", "cycle-budget", "stack-budget")


def render_summary(run: CheckRun) -> str:
    """PASS/FAIL/ERROR lines, one per image (sorted by id), then the total line."""
    width = max((len(o.target.id) for o in run.outcomes), default=0)
    lines = []
    for outcome in run.outcomes:
        lines.append(image_line(outcome, width))
        lines += [f"    {text}" for text in failure_lines(outcome)]
    lines.append(total_line(run))
    return "\n".join(lines)


def image_line(outcome: ImageOutcome, width: int) -> str:
    if outcome.error is not None:
        return f"ERROR {outcome.target.id:<{width}}  {outcome.error}"
    verdict = "PASS " if outcome.passed else "FAIL "
    text = f"{verdict} {outcome.target.id:<{width}}  {_count(len(outcome.findings), 'finding')}"
    kinds = _kinds(outcome.findings)
    if kinds:
        text += f" ({kinds})"
    if "baseline-regression" in outcome.failures:
        text += f", {_count(len(outcome.regressions), 'regression')}"
    end = outcome.report["exit"]
    if not (end["reason"] == "stopped" or (end["reason"] == "exit" and end["code"] == 0)):
        text += f", run ended: {end['reason']}" + (f" {end['code']}" if end["code"] is not None else "")
    return text


def failure_lines(outcome: ImageOutcome) -> list[str]:
    """One short line per failure: the check, then where (location in handler) or the message."""
    lines = []
    for check in outcome.checks():
        for failure in outcome.failures[check]:
            lines.append(f"{check}: {_short(check, failure)}")
    return lines


def _short(check: str, failure: dict) -> str:
    if check in _MESSAGE_ONLY or not failure.get("location"):
        return failure["message"]
    context = failure.get("context") or {}
    handler = " > ".join(context.get("chain") or []) or context.get("handler") or "thread"
    function = failure.get("function")
    text = f"{function} " if function and function != context.get("handler") else ""
    text += f"at {failure['location']}{_source(failure)} in {handler}"
    return text + _detail(failure.get("details") or {})


def _source(failure: dict) -> str:
    source = failure.get("source")
    if isinstance(source, dict) and source.get("file"):
        return f" ({source['file']}:{source.get('line')})"
    return ""


def _detail(details: dict) -> str:
    for name, label in (("problem", ""), ("max_bytes_over", " bytes over"), ("args", "")):
        if details.get(name) not in (None, ""):
            return f" ({details[name]}{label})"
    return ""


def total_line(run: CheckRun) -> str:
    outcomes, options = run.outcomes, run.options
    passed = sum(o.passed for o in outcomes)
    errors = sum(o.error is not None for o in outcomes)
    parts = [_count(len(outcomes), "image"), f"{passed} passed",
             f"{len(outcomes) - passed - errors} failed"]
    if errors:
        parts.append(_count(errors, "error"))
    parts.append(_count(sum(len(o.findings) for o in outcomes), "finding"))
    if run.baseline_written:
        parts.append(f"baseline written to {options.baseline}")
    elif options.update_baseline:
        parts.append(f"{options.baseline} not written (images could not be run)")
    elif options.baseline:
        regressions = sum(len(o.regressions) for o in outcomes)
        parts.append(f"{_count(regressions, 'regression')} against {options.baseline} "
                     f"(tolerance {options.tolerance:g}%)")
    return "fwsandbox check: " + ", ".join(parts)


def _kinds(findings: list[dict]) -> str:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["kind"]] = counts.get(finding["kind"], 0) + 1
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
