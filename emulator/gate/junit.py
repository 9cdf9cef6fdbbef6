"""JUnit XML of a check: a test suite per image, a test case per image and check.

Shape (the de-facto schema Jenkins, GitLab, Azure DevOps and GitHub test reporters read)::

    <testsuites name="fwsandbox check" tests= failures= errors=>
      <testsuite name="<image id>" tests= failures= errors= skipped="0">
        <properties> board, cycle_model, exit, cycles, instructions </properties>
        <testcase classname="<image id, dots as _>" name="<check>">
          <failure type="<check>" message="<first failure>">every failure, one per line</failure>
        </testcase> ...

An image that could not be run (bad input) has one ``run-exit`` test case with an ``<error>``.
No wall-clock times are written: the same inputs give the same bytes.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .checks import ImageOutcome


def render_junit(outcomes: list[ImageOutcome]) -> str:
    """The XML document, UTF-8 with a declaration and a final newline."""
    root = ET.Element("testsuites", name="fwsandbox check")
    suites = [_suite(outcome) for outcome in outcomes]
    root.extend(suites)
    _count(root, suites)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _count(element: ET.Element, parts: list[ET.Element]) -> None:
    for name in ("tests", "failures", "errors"):
        element.set(name, str(sum(int(p.get(name, "0")) for p in parts)))


def _suite(outcome: ImageOutcome) -> ET.Element:
    suite = ET.Element("testsuite", name=outcome.target.id)
    classname = outcome.target.id.replace(".", "_")
    if outcome.report is not None:
        suite.append(_properties(outcome.report))
    if outcome.error is not None:
        case = ET.SubElement(suite, "testcase", classname=classname, name="run-exit")
        ET.SubElement(case, "error", type="bad-input", message=outcome.error).text = outcome.error
        suite.set("tests", "1")
        suite.set("errors", "1")
        suite.set("failures", "0")
    else:
        cases = [_case(classname, name, outcome.failures[name]) for name in outcome.checks()]
        suite.extend(cases)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", "0")
    suite.set("skipped", "0")
    return suite


def _properties(report: dict) -> ET.Element:
    end = report["exit"]
    values = {"board": report["board"], "cycle_model": report["cycle_model"]["version"],
              "exit": f"{end['reason']} (code {end['code']})", "cycles": report["cycles"],
              "instructions": report["instructions"], "sha256": report["image"]["sha256"]}
    props = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=str(value))
    return props


def _case(classname: str, name: str, failures: list[dict]) -> ET.Element:
    case = ET.Element("testcase", classname=classname, name=name)
    if failures:
        count = f"{len(failures)} failure{'s' if len(failures) != 1 else ''}: "
        failure = ET.SubElement(case, "failure", type=name,
                                message=count + failures[0]["message"])
        failure.text = "\n".join(_failure_line(f) for f in failures) + "\n"
    return case


def _failure_line(failure: dict) -> str:
    where = failure.get("location") or ""
    source = failure.get("source")
    if isinstance(source, dict) and source.get("file"):
        where = f"{source['file']}:{source.get('line', 0)}" + (f" ({where})" if where else "")
    count = failure.get("count", 1)
    suffix = f" [{count} times]" if isinstance(count, int) and count > 1 else ""
    return f"{failure['message']}" + (f"\n    at {where}" if where else "") + suffix
