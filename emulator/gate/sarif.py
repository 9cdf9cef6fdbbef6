"""SARIF 2.1.0 log of a check, for code-scanning UIs (GitHub, GitLab, Azure DevOps).

One run; ``tool.driver`` is fwsandbox with one reporting descriptor per check
(``emulator.gate.checks.CHECKS``, plus any finding kind it does not know yet). One result per
failure record: ``ruleId`` is the check, ``level`` ``error``, and the location is

- physical ``file:line`` when the finding has a DWARF source position (``"source": {"file",
  "line"}``), with the logical location beside it;
- otherwise the image file with the instruction address (``address.absoluteAddress``) and the
  logical location ``symbol+0xoff`` (``logicalLocations[0].fullyQualifiedName``).

``partialFingerprints["fwsandbox/v1"]`` hashes the image id and the finding's baseline key, so
a code-scanning UI tracks one alert across runs even when cycles or counts change. Images that
could not be run become ``toolExecutionNotifications`` and ``executionSuccessful: false``.
The shipped schema (``emulator/schemas/sarif-schema-2.1.0.json``) validates the output.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePath
from urllib.parse import quote

from .. import __version__
from .baseline import finding_key
from .checks import CHECKS, ImageOutcome

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                    "sarif-schema-2.1.0.json")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "sarif-schema-2.1.0.json"


def render_sarif(outcomes: list[ImageOutcome], exit_code: int) -> str:
    """The SARIF log as indented JSON with a final newline."""
    rule_ids = _rule_ids(outcomes)
    results = [_result(outcome, check, failure, rule_ids)
               for outcome in outcomes for check in outcome.checks()
               for failure in outcome.failures[check]]
    run = {"tool": {"driver": _driver(rule_ids)}, "results": results,
           "invocations": [_invocation(outcomes, exit_code)]}
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"


def _rule_ids(outcomes: list[ImageOutcome]) -> list[str]:
    extra = {check for o in outcomes for check in o.checks() if check not in CHECKS}
    return list(CHECKS) + sorted(extra)


def _driver(rule_ids: list[str]) -> dict:
    return {"name": "fwsandbox", "version": __version__, "semanticVersion": __version__,
            "rules": [_rule(rule_id) for rule_id in rule_ids]}


def _rule(rule_id: str) -> dict:
    short, full = CHECKS.get(rule_id, (f"{rule_id} finding", f"A finding of kind {rule_id}."))
    return {"id": rule_id, "name": "".join(p.capitalize() for p in rule_id.split("-")),
            "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "defaultConfiguration": {"level": "error"}}


def _result(outcome: ImageOutcome, check: str, failure: dict, rule_ids: list[str]) -> dict:
    return {"ruleId": check, "ruleIndex": rule_ids.index(check), "level": "error",
            "message": {"text": f"{outcome.target.id}: {failure['message']}"},
            "locations": [location(failure, outcome.report)],
            "partialFingerprints": {"fwsandbox/v1": _fingerprint(outcome.target.id, check, failure)},
            "properties": _properties(outcome, failure)}


def location(failure: dict, report: dict | None) -> dict:
    """Physical ``file:line`` when the finding has a source position, else image + address."""
    where: dict = {}
    source = failure.get("source")
    if isinstance(source, dict) and source.get("file"):
        line = source.get("line")
        physical = {"artifactLocation": {"uri": artifact_uri(str(source["file"]))}}
        if isinstance(line, int) and line >= 1:
            physical["region"] = {"startLine": line}
        where["physicalLocation"] = physical
    elif report is not None:
        physical = {"artifactLocation": {"uri": artifact_uri(report["image"]["path"])}}
        if isinstance(failure.get("pc"), int):
            physical["address"] = {"absoluteAddress": failure["pc"], "kind": "instruction"}
            if failure.get("location"):
                physical["address"]["fullyQualifiedName"] = failure["location"]
        where["physicalLocation"] = physical
    logical = _logical(failure)
    if logical:
        where["logicalLocations"] = [logical]
    return where


def _logical(failure: dict) -> dict | None:
    symbol_offset = failure.get("location") or ""
    if symbol_offset:
        return {"fullyQualifiedName": symbol_offset, "name": symbol_offset.split("+")[0],
                "kind": "function"}
    if failure.get("function"):
        return {"fullyQualifiedName": failure["function"], "name": failure["function"],
                "kind": "function"}
    return None


def artifact_uri(path: str) -> str:
    """A relative URI (from the working directory) when possible, else a ``file:`` URI."""
    native = os.path.normpath(path)
    if os.path.isabs(native):
        relative = os.path.relpath(native)
        if relative.startswith(".."):
            return Path(native).as_uri()
        native = relative
    return quote(PurePath(native).as_posix())


def _fingerprint(image_id: str, check: str, failure: dict) -> str:
    identity = [image_id, check, finding_key(failure), failure.get("details", {}).get("metric")]
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def _properties(outcome: ImageOutcome, failure: dict) -> dict:
    props = {"image": outcome.target.id, "kind": failure.get("kind")}
    for name in ("function", "cycle", "count", "context", "details"):
        if failure.get(name) not in (None, {}, ""):
            props[name] = failure[name]
    if outcome.report is not None:
        props["board"] = outcome.report["board"]
    return props


def _invocation(outcomes: list[ImageOutcome], exit_code: int) -> dict:
    invocation = {"executionSuccessful": exit_code != 2, "exitCode": exit_code}
    notes = [{"level": "error", "message": {"text": o.error},
              "locations": [{"physicalLocation": {"artifactLocation": {
                  "uri": artifact_uri(o.target.image)}}}]}
             for o in outcomes if o.error]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation
