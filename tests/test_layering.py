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


def _string_constants(path: Path) -> set[str]:
    """String literals of a module, docstrings left out."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs}


def test_no_module_outside_the_arch_folders_names_an_architecture():
    """Per-arch facts live in emulator/arch/<folder>/spec.py (issue 16): elsewhere code asks the
    spec; a literal 'cortex-m' or 'arm' there is an arch comparison or table creeping back."""
    from emulator.arch import ARCHES
    names = set(ARCHES) | {s.folder for s in ARCHES.values()}
    offenders = {str(p.relative_to(PACKAGE)): sorted(_string_constants(p) & names)
                 for p in PACKAGE.rglob("*.py") if "arch" not in p.relative_to(PACKAGE).parts[:1]}
    tools = PACKAGE.parent / "tools"
    offenders |= {f"tools/{p.name}": sorted(_string_constants(p) & set(ARCHES))
                  for p in tools.glob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_cores_never_reach_back_into_the_machine_or_the_probes():
    """A core sees its machine only through the CoreHost port (emulator/arch/ports.py)."""
    for path in (PACKAGE / "arch").rglob("*.py"):
        absolute = {n.lstrip(".") for n in imports_of(path)}
        bad = {n for n in absolute if n.split(".")[0] in ("machine", "probes", "detectors",
                                                          "report", "gate", "session", "cli")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {bad}"
        assert "self.machine" not in path.read_text(), path
