"""pytest plugin (entry point ``pytest11``): the ``fwsandbox`` fixture runs firmware images.

Contract::

    def test_no_isr_alloc(fwsandbox):
        run = fwsandbox.run("build/fw.elf", rules="rules.toml")   # board=, max_cycles=, timeout=
        assert run.findings == []          # a list of finding documents (JSON report format)
        fwsandbox.assert_clean(run)        # no findings and the firmware exited 0, else a
                                           # failure listing every finding, one per line

``run()`` returns a ``FirmwareRun``: ``findings`` (``Findings``, a list of the report's finding
dicts), ``report`` (the whole JSON report document, ``emulator.report.jsondoc``), ``exit`` (the
``fwsandbox run`` exit code: 0 clean, 1 findings or a bad end) and ``image``. Relative paths
are taken from pytest's rootdir. Bad input (a missing image, a malformed rules file) raises
``emulator.errors.BadInput``. When ``run.findings == [...]`` fails, the assertion message lists
the findings readably. The engines are imported on the first ``run()``, not when pytest loads
this plugin.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


class Findings(list):
    """The finding documents of one run; ``lines()`` renders them one per line."""

    def lines(self) -> list[str]:
        return [finding_line(f) for f in self]


def finding_line(finding: dict) -> str:
    """``[kind] location in handler: message (N times)``, plus ``file:line`` when known."""
    handler = (finding.get("context") or {}).get("handler") or "thread"
    where = finding.get("location") or "?"
    source = finding.get("source")
    if isinstance(source, dict) and source.get("file"):
        where += f" ({source['file']}:{source.get('line')})"
    count = finding.get("count", 1)
    times = f" ({count} times)" if isinstance(count, int) and count > 1 else ""
    return f"[{finding.get('kind')}] {where} in {handler}: {finding.get('message')}{times}"


@dataclass(frozen=True)
class FirmwareRun:
    """One analysed run: the image, its JSON report document, its findings and exit code."""

    image: str
    report: dict
    findings: Findings
    exit: int

    def describe(self) -> str:
        end = self.report["exit"]
        head = (f"{self.image}: {len(self.findings)} finding(s), run ended {end['reason']} "
                f"(code {end['code']}), exit {self.exit}")
        return "\n".join([head, *(f"  {line}" for line in self.findings.lines())])


class Sandbox:
    """The ``fwsandbox`` fixture: ``run()`` images, ``assert_clean``/``assert_no_findings``."""

    def __init__(self, rootdir: Path):
        self.rootdir = rootdir

    def path(self, value: str | Path | None) -> str | None:
        if value is None:
            return None
        path = Path(value)
        return str(path if path.is_absolute() else self.rootdir / path)

    def run(self, image: str | Path, rules: str | Path | None = None, board: str | None = None,
            *, max_cycles: int | None = None, timeout: float | None = None) -> FirmwareRun:
        """Run ``image`` to its end under the detectors (``fwsandbox run`` semantics)."""
        from .machine.machine import DEFAULT_MAX_CYCLES, DEFAULT_TIMEOUT
        from .report import report_doc
        from .report.runsummary import exit_code
        from .session import analyse
        if board is not None and str(board).endswith(".toml"):
            board = self.path(board)
        analysis = analyse(self.path(image), board, self.path(rules),
                           max_cycles or DEFAULT_MAX_CYCLES, timeout or DEFAULT_TIMEOUT)
        doc = report_doc(analysis.report)
        return FirmwareRun(str(image), doc, Findings(doc["findings"]),
                           exit_code(analysis.result, analysis.results.findings))

    def assert_no_findings(self, run: FirmwareRun, *kinds: str) -> None:
        """Fail the test when ``run`` has findings (of ``kinds``, when given)."""
        found = [f for f in run.findings if not kinds or f.get("kind") in kinds]
        if found:
            pytest.fail(FirmwareRun(run.image, run.report, Findings(found), run.exit).describe(),
                        pytrace=False)

    def assert_clean(self, run: FirmwareRun) -> None:
        """Fail the test unless ``run`` has no findings and the firmware exited 0."""
        if run.findings or run.exit != 0:
            pytest.fail(run.describe(), pytrace=False)


@pytest.fixture
def fwsandbox(request) -> Sandbox:
    """Runs firmware images under the sandbox; see ``emulator.pytest_plugin``."""
    return Sandbox(Path(request.config.rootpath))


def pytest_assertrepr_compare(op, left, right):
    """Readable ``run.findings == [...]`` failures: one line per finding."""
    if op == "==" and isinstance(left, Findings) and isinstance(right, list):
        extra = [f for f in left if f not in right]
        missing = [f for f in right if f not in left]
        lines = [f"findings differ: {len(left)} found, {len(right)} expected"]
        lines += [f"  found:    {finding_line(f)}" for f in extra]
        lines += [f"  expected: {f!r}" for f in missing]
        return lines
    return None
