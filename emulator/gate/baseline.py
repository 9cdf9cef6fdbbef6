"""The check baseline: what each image did last time it was accepted, and the regressions since.

File format (``fwsandbox-baseline/1``; written with sorted keys, two-space indent and a final
newline, so it only changes when the firmware's behaviour does and diffs read well)::

    {"schema": "fwsandbox-baseline/1",
     "images": {
       "<image id>": {
         "board": "cortex-m4", "cycle_model": "<cycle model version>",
         "findings": [{"kind", "function", "location", "handler"}, ...],   # sorted, unique
         "allocations": {"<function>": {"<context>": {"max": int, "p99": int}}},
         "stacks": {"<stack>": {"high_water": int}},
         "timing": {"handlers": {"<handler>": {"max": int, "p99": int}},
                    "latency": {"<interrupt name>": {"max": int, "p99": int}},
                    "masked": {"<function>": {"max": int}}}}}}

No image paths, hashes, cycle stamps or counts are stored. A finding is keyed by kind,
function, location (``symbol+0xoff``) and interrupt handler. Regressions: a finding whose key
the baseline lacks; an allocation's max or p99 (per function and context) or a stack's high-water
mark, a handler's path length (max, p99), an interrupt's latency (max, p99) or a function's
longest masked section (``timing``, issue 19) that grew by more than the tolerance percentage (``new > old * (1 + tolerance / 100)``);
an image the baseline has no entry for; an entry made with another cycle model version (its
cycle figures are then not compared: a model change moves them all, so one record says so and
asks for a re-recorded baseline, issue 20). Values that shrink, allocations or stacks that are new
or gone, and findings that disappeared are not regressions.
"""
from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

from ..errors import BadInput
from ..load.inputfile import read_text

SCHEMA = "fwsandbox-baseline/1"
_ENTRY_KEYS = {"board", "cycle_model", "findings", "allocations", "stacks", "timing"}
# timing table -> (report list under "timing", its name key, the metrics tracked, unit)
TIMING = {"handlers": (("handlers",), "handler", ("max", "p99")),
          "latency": (("latency",), "name", ("max", "p99")),
          "masked": (("masked", "functions"), "function", ("max",))}


def finding_key(finding: dict) -> dict:
    """The identity of a finding across runs: no cycle, count, pc or message."""
    return {"kind": finding.get("kind"), "function": finding.get("function"),
            "location": finding.get("location"),
            "handler": (finding.get("context") or {}).get("handler")}


def _sort_token(key: dict) -> tuple:
    return tuple(str(key.get(name) or "") for name in ("kind", "function", "location", "handler"))


def entry_of(report: dict) -> dict:
    """The baseline entry of one report document."""
    keys = {json.dumps(finding_key(f), sort_keys=True): finding_key(f) for f in report["findings"]}
    allocations: dict[str, dict] = {}
    for stats in report["allocations"]:
        allocations.setdefault(stats["function"], {})[stats["context"]] = {
            "max": stats["max"], "p99": stats["p99"]}
    return {"board": report["board"], "cycle_model": report["cycle_model"]["version"],
            "findings": sorted(keys.values(), key=_sort_token),
            "allocations": allocations,
            "stacks": {s["name"]: {"high_water": s["high_water"]} for s in report["stacks"]},
            **({"timing": timing_entry(report["timing"])} if "timing" in report else {})}


def timing_entry(timing: dict) -> dict:
    """The tracked figures of a report's ``timing`` object, by table and name."""
    entry = {}
    for table, (path, key, metrics) in TIMING.items():
        rows = timing
        for part in path:
            rows = rows[part]
        entry[table] = {row[key]: {m: row[m] for m in metrics} for row in rows
                        if row.get("calls", row.get("count", row.get("sections", 1)))}
    return entry


def compare(old: dict | None, new: dict, tolerance: float) -> list[dict]:
    """Regressions of ``new`` against ``old`` (None: no baseline entry), as failure records."""
    if old is None:
        return [regression("no baseline entry for this image (record one with --update-baseline)")]
    known = {_sort_token(k) for k in old.get("findings", [])}
    found = [regression(f"new finding [{k['kind']}] {_where(k)}", k, metric="finding")
             for k in new["findings"] if _sort_token(k) not in known]
    if old.get("cycle_model") != new.get("cycle_model"):
        return found + _grown_stacks(old, new, tolerance) + [regression(
            f"baseline made with cycle model {old.get('cycle_model') or '(none)'}, this run uses "
            f"{new.get('cycle_model')}: its cycle figures were not compared (re-record with "
            "--update-baseline)", metric="cycle_model", baseline=old.get("cycle_model"),
            value=new.get("cycle_model"))]
    return (found + _grown_allocations(old, new, tolerance) + _grown_stacks(old, new, tolerance)
            + _grown_timing(old, new, tolerance))


def _grown_timing(old: dict, new: dict, tolerance: float) -> list[dict]:
    """Handler path lengths, latencies and masked sections grown past the tolerance."""
    found = []
    for table, (_, _, metrics) in TIMING.items():
        before_table = old.get("timing", {}).get(table, {})
        for name, values in sorted(new.get("timing", {}).get(table, {}).items()):
            before = before_table.get(name)
            for metric in metrics:
                if before is not None and grew(before.get(metric), values[metric], tolerance):
                    found.append(_growth(f"{table} {name}", metric, "cycles", before[metric],
                                         values[metric], tolerance, name))
    return found


def _where(key: dict) -> str:
    text = key.get("function") or "?"
    if key.get("location"):
        text += f" at {key['location']}"
    return text + f" in {key.get('handler') or 'thread'}"


def _grown_allocations(old: dict, new: dict, tolerance: float) -> list[dict]:
    found = []
    for function, contexts in sorted(new["allocations"].items()):
        for context, values in sorted(contexts.items()):
            before = old.get("allocations", {}).get(function, {}).get(context)
            for metric in ("max", "p99"):
                if before is not None and grew(before.get(metric), values[metric], tolerance):
                    found.append(_growth(f"{function} in {context}", metric, "cycles",
                                         before[metric], values[metric], tolerance, function))
    return found


def _grown_stacks(old: dict, new: dict, tolerance: float) -> list[dict]:
    found = []
    for name, values in sorted(new["stacks"].items()):
        before = old.get("stacks", {}).get(name)
        if before is not None and grew(before.get("high_water"), values["high_water"], tolerance):
            found.append(_growth(f"{name} stack", "high_water", "bytes", before["high_water"],
                                 values["high_water"], tolerance, None))
    return found


def grew(before: int | None, after: int, tolerance: float) -> bool:
    """Whether ``after`` exceeds ``before`` by more than ``tolerance`` percent (exact rational
    arithmetic: integers of any size, no float overflow)."""
    if not isinstance(before, int) or isinstance(before, bool) or not isinstance(after, int):
        return False
    return Fraction(after) * 100 > Fraction(before) * (100 + Fraction(tolerance))


def _growth(what: str, metric: str, unit: str, before: int, after: int, tolerance: float,
            function: str | None) -> dict:
    tenths = round(Fraction(after - before) * 1000 / before) if before else 0
    percent = f"+{tenths // 10}.{tenths % 10}%" if before else "from 0"
    message = (f"{what}: {metric.replace('_', '-')} {before} -> {after} {unit} ({percent}, "
               f"tolerance {tolerance:g}%)")
    return regression(message, function=function, metric=metric, baseline=before, value=after)


def regression(message: str, key: dict | None = None, *, function: str | None = None,
               metric: str = "entry", **details) -> dict:
    """A failure record of the baseline-regression check (shaped like a finding document)."""
    key = key or {}
    return {"kind": "baseline-regression", "message": message, "pc": None,
            "location": key.get("location") or "", "function": key.get("function", function),
            "context": {"handler": key.get("handler")},
            "details": dict(details, metric=metric, **({"finding": key["kind"]} if key else {}))}


def load_baseline(path: str | Path) -> dict:
    """The ``images`` table of a baseline file; anything but our format is a BadInput."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such baseline file (record one with --update-baseline)")
    text = read_text(path, "baseline")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not a fwsandbox baseline (not JSON: {exc})") from None
    except RecursionError:
        raise BadInput(f"{path}: not a fwsandbox baseline (JSON nested too deeply)") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise BadInput(f"{path}: key 'schema': not a fwsandbox baseline (expected {SCHEMA!r})")
    images = data.get("images")
    if not isinstance(images, dict):
        raise BadInput(f"{path}: key 'images': expected an object of image entries")
    for image_id, entry in images.items():
        _check_entry(path, image_id, entry)
    return images


def _check_entry(path: Path, image_id: str, entry) -> None:
    key = f"images.{image_id}"
    if not isinstance(entry, dict) or set(entry) - _ENTRY_KEYS:
        raise BadInput(f"{path}: key '{key}': expected an object with keys "
                       f"{', '.join(sorted(_ENTRY_KEYS))}")
    for name, kind in (("findings", list), ("allocations", dict), ("stacks", dict)):
        if not isinstance(entry.get(name, kind()), kind):
            raise BadInput(f"{path}: key '{key}.{name}': expected a JSON {kind.__name__}")
    if not all(isinstance(item, dict) for item in entry.get("findings", [])):
        raise BadInput(f"{path}: key '{key}.findings': expected a list of objects")
    for function, contexts in entry.get("allocations", {}).items():
        _check_numbers(path, f"{key}.allocations.{function}", contexts, ("max", "p99"))
    _check_numbers(path, f"{key}.stacks", entry.get("stacks", {}), ("high_water",))
    timing = entry.get("timing", {})
    if not isinstance(timing, dict):
        raise BadInput(f"{path}: key '{key}.timing': expected a JSON object")
    for table, (_, _, metrics) in TIMING.items():
        _check_numbers(path, f"{key}.timing.{table}", timing.get(table, {}), metrics)


def _check_numbers(path: Path, key: str, table, metrics: tuple[str, ...]) -> None:
    """``table`` maps names to objects whose ``metrics`` are integers when present."""
    if not isinstance(table, dict):
        raise BadInput(f"{path}: key '{key}': expected a JSON object")
    for name, values in table.items():
        if not isinstance(values, dict):
            raise BadInput(f"{path}: key '{key}.{name}': expected a JSON object")
        for metric in metrics:
            value = values.get(metric, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BadInput(f"{path}: key '{key}.{name}.{metric}': expected an integer >= 0")


def render_baseline(images: dict) -> str:
    """The baseline file's text: stable and diff-friendly."""
    return json.dumps({"schema": SCHEMA, "images": images}, sort_keys=True, indent=2,
                      ensure_ascii=True) + "\n"


def write_baseline(path: str | Path, images: dict) -> None:
    """Write atomically (a temporary file renamed over the old one)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(render_baseline(images))
        os.replace(temporary, path)
    except OSError as exc:
        if temporary.is_file():
            temporary.unlink()
        raise BadInput(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
