"""An exploration's report: each distinct finding once, with the schedule that produces it,
how many explored points produce it, its replay command; and the coverage.  Text and JSON,
byte for byte the same for the same inputs (wall time goes to stderr, never in here)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..report.jsondoc import finding_doc
from ..report.text import render_finding

SCHEMA = "fwsandbox-explore/1"


IDENTITY_DETAILS = ("interrupted_function", "interrupted_call_site")


def finding_key(finding) -> tuple:
    """A finding's identity across branches: no cycle, count, pc or message; what it
    interrupted (the window) is part of it."""
    details = dict(finding.details)
    return (finding.kind, finding.function or "", finding.location,
            finding.context.handler or "", *(str(details.get(k, "")) for k in IDENTITY_DETAILS))


@dataclass(frozen=True)
class Distinct:
    finding: object                  # the Finding of the first point producing it
    point: object                    # that point (windows.Point)
    points: tuple[int, ...]          # indexes of the points of that point's window producing it
    in_window: int                   # points explored in that window
    elsewhere: int                   # points of other windows producing it


def distinct_findings(exploration) -> tuple[Distinct, ...]:
    """Findings of the branches the plain run does not have, each once, in point order."""
    plain = {finding_key(f) for f in exploration.plain.results.findings}
    first: dict[tuple, tuple] = {}
    hits: dict[tuple, list[int]] = {}
    for point, result in zip(exploration.points, exploration.results):
        for finding in result.findings:
            key = finding_key(finding)
            if key in plain:
                continue
            first.setdefault(key, (finding, point))
            if not hits.setdefault(key, []) or hits[key][-1] != point.index:
                hits[key].append(point.index)
    per_window: dict[str, int] = {}
    for point in exploration.points:
        per_window[point.window] = per_window.get(point.window, 0) + 1
    window = {p.index: p.window for p in exploration.points}
    out = []
    for key, (finding, point) in first.items():
        mine = tuple(i for i in hits[key] if window[i] == point.window)
        out.append(Distinct(finding, point, mine, per_window[point.window],
                            len(hits[key]) - len(mine)))
    return tuple(out)


def schedule_text(exploration, point) -> str:
    return (f"{exploration.irq_names[point.number]} at {point.location}, "
            f"cycle {point.cycle:,}")


def replay_command(exploration, point) -> str:
    board = f" --board {exploration.options.board}" if exploration.options.board else ""
    rules = f" --rules {exploration.options.rules}" if exploration.options.rules else ""
    return (f"fwsandbox run {exploration.image}{board}{rules} "
            f"--inject-irq {point.number}@{point.cycle}")


def coverage_doc(exploration) -> dict:
    cov = exploration.coverage
    reasons: dict[str, int] = {}
    for result in exploration.results:
        reasons[result.reason] = reasons.get(result.reason, 0) + 1
    return {"windows": {label: len(paths) for label, paths in sorted(cov.windows.items())},
            "occurrences": cov.occurrences, "boundaries": cov.boundaries,
            "not_takeable": cov.masked, "skipped": cov.skipped,
            "injections": len(exploration.points), "branches_run": len(exploration.results),
            "branch_ends": dict(sorted(reasons.items())),
            "interrupts": [exploration.irq_names[n] for n in sorted(exploration.irq_names)]}


def render_explore_text(exploration) -> str:
    cov = coverage_doc(exploration)
    plain = exploration.plain
    found = distinct_findings(exploration)
    lines = [f"== fwsandbox explore: {exploration.image} on {exploration.board} ==",
             f"plain run: {plain.result.reason}"
             + (f" (code {plain.result.code})" if plain.result.code is not None else "")
             + f", {plain.result.cycles:,} cycles, {len(plain.results.findings)} findings",
             f"windows: {len(cov['windows'])} distinct in {cov['occurrences']} occurrences"]
    lines += [f"  {label}: {paths} path{'s' if paths != 1 else ''}"
              for label, paths in cov["windows"].items()]
    ends = ", ".join(f"{n} {why}" for why, n in cov["branch_ends"].items()) or "none"
    lines += [f"boundaries: {cov['boundaries']} distinct; interrupts: "
              f"{', '.join(cov['interrupts']) or 'none enabled with a handler'}",
              f"injections: {cov['injections']} ({cov['not_takeable']} boundary/interrupt pairs "
              f"not takeable, {cov['skipped']} skipped by --stride/--max-points)",
              f"branches run: {cov['branches_run']} (ended: {ends})"]
    errors = [r for r in exploration.results if r.error]
    lines += [f"warning: branch {r.index} failed: {r.error}" for r in errors]
    lines.append(f"fwsandbox explore: {len(found)} finding{'s' if len(found) != 1 else ''} "
                 "the plain run does not have")
    text = "\n".join(lines) + "\n"
    for item in found:
        text += render_finding(item.finding)
        text += (f"  schedule: {schedule_text(exploration, item.point)}\n"
                 f"  produced by {len(item.points)} of {item.in_window} explored points of "
                 f"{item.point.window}"
                 + (f", and {item.elsewhere} of other windows" if item.elsewhere else "") + "\n"
                 f"  replay: {replay_command(exploration, item.point)}\n")
    return text


def render_explore_json(exploration) -> str:
    doc = {"schema": SCHEMA, "image": exploration.image, "board": exploration.board,
           "plain_run": {"reason": exploration.plain.result.reason,
                         "code": exploration.plain.result.code,
                         "cycles": exploration.plain.result.cycles,
                         "findings": [finding_doc(f) for f in exploration.plain.results.findings]},
           "coverage": coverage_doc(exploration),
           "findings": explored_finding_docs(exploration),
           "errors": [{"branch": r.index, "error": r.error} for r in exploration.results
                      if r.error]}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def explored_finding_docs(exploration) -> list[dict]:
    """The distinct findings as report findings (jsondoc.finding_doc) with their schedule."""
    return [dict(finding_doc(item.finding),
                 schedule={"irq": item.point.number, "name": exploration.irq_names[item.point.number],
                           "at": item.point.location, "pc": item.point.pc,
                           "cycle": item.point.cycle, "window": item.point.window,
                           "boundary": item.point.boundary},
                 points=len(item.points), points_in_window=item.in_window,
                 points_elsewhere=item.elsewhere, replay=replay_command(exploration, item.point))
            for item in distinct_findings(exploration)]


def explore_exit_code(exploration) -> int:
    """1 when a branch or the plain run found something (or a branch failed), else 0."""
    if exploration.plain.results.findings or distinct_findings(exploration):
        return 1
    return 1 if any(r.error for r in exploration.results) else 0
