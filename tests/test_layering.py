"""Engines stay at the edges: one module imports unicorn, only the CLI imports click,
keystone only in tools/, and detectors/report never touch the machine or the engine."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "emulator"


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


def modules_importing(prefix: str) -> set[str]:
    return {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
            if any(n == prefix or n.startswith(prefix + ".") for n in imports_of(p))}


def test_only_cpu_imports_unicorn():
    assert modules_importing("unicorn") == {"engine/cpu.py"}


def test_only_the_cli_imports_click_and_nothing_imports_keystone():
    assert modules_importing("click") == {"cli.py"}
    assert modules_importing("keystone") == set()


def test_detectors_and_reports_do_not_reach_the_machine_or_engine():
    for folder in ("detectors", "report"):
        for path in (PACKAGE / folder).glob("*.py"):
            bad = {n for n in imports_of(path) if "machine" in n or "cpu" in n or "probes" in n}
            assert not bad, f"{path.name} imports {bad}"


def test_every_data_file_the_package_reads_is_in_its_package_data():
    """A data file no package-data glob names is missing from the wheel (a pip install would run
    without it: the rule profiles were, once)."""
    import fnmatch
    import tomllib
    root = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["emulator"]
    package = root / "emulator"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.suffix in (".toml", ".json", ".md") and p.is_file()]
    missing = [f for f in data if not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/")
                                          for g in globs)]
    assert data and missing == []
