"""The README is tested: its `$` transcripts and Python example run for real and must match.

Each transcript (a fenced block starting with ``$ ``, conventions in tests/readmedoc.py and the
README's "The README is tested") runs its commands in order through bash, in a scratch copy of
the repository root (symlinks, so the files the commands write stay out of the checkout), with
``fwsandbox`` = ``sys.executable -m emulator``. The pasted output must equal the real stdout, a
``...`` line standing for any run of lines; stderr must be empty unless the command redirects
it. ``FWSANDBOX_UPDATE_GOLDEN=1`` (or ``--update-golden``) rewrites every paste in README.md from
the real output instead, keeping the elisions that still fit.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import readmedoc
from emulator.rules.model import parse_rules

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text()
BLOCKS = readmedoc.blocks(TEXT)
TRANSCRIPTS = [b for b in BLOCKS if readmedoc.is_transcript(b)]
PYTHON = [b for b in BLOCKS if b.info == "python"]
TOML = [b for b in BLOCKS if b.info == "toml"]
UPDATE = os.environ.get("FWSANDBOX_UPDATE_GOLDEN") == "1"
IN_CI = os.environ.get("CI") == "true"
TOOLS = ("make", "arm-none-eabi-gcc", "powerpc-linux-gnu-gcc")
COMMAND_TIMEOUT_S = 300


def block_id(block: readmedoc.Block) -> str:
    """A test id naming the README line and the block's first command (or language)."""
    first = block.lines[0][2:] if readmedoc.is_transcript(block) else block.info or "text"
    return f"L{block.line}:" + re.sub(r"\s+", "_", first)[:60]


# --- the workspace ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Workspace:
    """Where the README's commands run: a directory looking like the repository root."""
    path: Path
    env: dict


def require_tools() -> None:
    """Skip with the reason when a toolchain is missing locally; fail when CI=true."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (`make toolchains` installs them)"
        if IN_CI:
            pytest.fail(reason + " -- required when CI=true")
        pytest.skip(reason)


def build_images(scratch: Path) -> None:
    """build/c/* by firmware/c's Makefile; the extra inputs the check and board examples use."""
    subprocess.run(["make", "-s", "-C", str(ROOT / "firmware" / "c")], check=True,
                   stdout=subprocess.DEVNULL)
    from test_check_baseline import slowed_demo
    from test_unmodelled import BOARD, FLASH, STARTUP
    from tools.asm import assemble_thumb
    (scratch / "slow.elf").write_bytes(slowed_demo(scratch / "slowsrc", 8))
    (scratch / "stm32.toml").write_text(BOARD.format(unclaimed="stub", rcc=""))
    (scratch / "app.bin").write_bytes(assemble_thumb(STARTUP, FLASH))


def mirror_root(scratch: Path) -> None:
    """Symlink the repository's entries into ``scratch``; build/ holds links to build/c."""
    for entry in ROOT.iterdir():
        if entry.name != "build":
            (scratch / entry.name).symlink_to(entry)
    (scratch / "build").mkdir()
    (scratch / "build" / "c").symlink_to(ROOT / "build" / "c")


def command_env(scratch: Path) -> dict:
    """PATH with a ``fwsandbox`` that is this interpreter's ``-m emulator``; no clock override."""
    bin_dir = scratch / ".readme-bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "fwsandbox"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m emulator "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FWSANDBOX_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Workspace:
    require_tools()
    scratch = tmp_path_factory.mktemp("readme")
    mirror_root(scratch)
    build_images(scratch)
    return Workspace(scratch, command_env(scratch))


@pytest.fixture(scope="session")
def readme_rewrites():
    """Blocks to rewrite in README.md (update mode), written once at the end of the session."""
    rewrites: dict = {}
    yield rewrites
    if rewrites:
        README.write_text(readmedoc.rewrite(TEXT, rewrites))


# --- running ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ran:
    """What one command printed and how it exited."""
    stdout: list[str]
    stderr: str
    status: int


def run_command(ws: Workspace, command: str, previous: int) -> Ran:
    """Run one README command through bash, ``$?`` set to the previous command's status."""
    done = subprocess.run(["bash", "-c", f"(exit {previous}); {command}"], cwd=ws.path,
                          env=ws.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    out = done.stdout[:-1] if done.stdout.endswith("\n") else done.stdout
    return Ran(out.split("\n") if out else [], done.stderr, done.returncode)


def run_transcript(ws: Workspace, block: readmedoc.Block) -> list[tuple[readmedoc.Step, Ran]]:
    """Every command of the block in order, each with what it really printed."""
    ran, status = [], 0
    for step in readmedoc.steps(block):
        result = run_command(ws, step.command, status)
        ran.append((step, result))
        status = result.status
    return ran


def mismatch(block: readmedoc.Block, step: readmedoc.Step, ran: Ran) -> str:
    """Why a paste is wrong: the command, where it is, and a diff against the real output."""
    diff = difflib.unified_diff(list(step.expected), ran.stdout, "README", "real", lineterm="")
    return (f"README.md line {block.line}: `$ {step.command}` prints other output "
            f"(regenerate with FWSANDBOX_UPDATE_GOLDEN=1):\n" + "\n".join(diff))


def check_stderr(block: readmedoc.Block, step: readmedoc.Step, ran: Ran) -> None:
    """A command that does not redirect stderr must leave it empty: the paste would hide it."""
    if "2>" not in step.command:
        assert ran.stderr == "", (f"README.md line {block.line}: `$ {step.command}` wrote to "
                                  f"stderr, which the paste does not show:\n{ran.stderr}")


# --- the tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("block", TRANSCRIPTS, ids=block_id)
def test_readme_transcript_prints_what_it_shows(block, workspace, readme_rewrites):
    if block.not_run:
        pytest.skip(f"README.md line {block.line}: not run: {block.not_run}")
    ran = run_transcript(workspace, block)
    for step, result in ran:
        check_stderr(block, step, result)
    if UPDATE:
        pasted = [(s.command, readmedoc.regenerate(s.expected, r.stdout)) for s, r in ran]
        readme_rewrites[block] = readmedoc.render(block, pasted)
        return
    for step, result in ran:
        assert readmedoc.matches(step.expected, result.stdout), mismatch(block, step, result)


@pytest.mark.parametrize("block", PYTHON, ids=block_id)
def test_readme_python_example_runs(block, workspace):
    if block.not_run:
        pytest.skip(f"README.md line {block.line}: not run: {block.not_run}")
    done = subprocess.run([sys.executable, "-c", "\n".join(block.lines)], cwd=workspace.path,
                          env=workspace.env, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S)
    assert done.returncode == 0, f"README.md line {block.line}:\n{done.stderr}"


@pytest.mark.parametrize("block", TOML, ids=block_id)
def test_readme_toml_example_is_valid(block):
    text = "\n".join(block.lines)
    tomllib.loads(text)
    if block.section == "Rules":
        parse_rules(text, f"README.md block at line {block.line}")  # BadInput names the key


def make_demo_commands() -> list[str]:
    """The fwsandbox commands of the Makefile's demo recipe, as a user would type them."""
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    lines = recipe.group(1).splitlines()
    return [re.sub(r"^\t[-@]*\$\(VENV\)/bin/", "", line) for line in lines
            if "/bin/fwsandbox " in line]


def test_every_command_make_demo_runs_is_a_tested_readme_transcript():
    shown = {s.command for b in TRANSCRIPTS if not b.not_run for s in readmedoc.steps(b)}
    commands = make_demo_commands()
    assert commands and all(c.startswith("fwsandbox ") for c in commands), commands
    assert [c for c in commands if c not in shown] == []


def test_an_elision_matches_any_run_of_lines_and_nothing_else_is_fuzzy():
    real = ["head", "a", "b", "cycles: 9,394", "tail"]
    assert readmedoc.matches(["head", "...", "cycles: 9,394", "tail"], real)
    assert readmedoc.matches(["...", "  ...", "tail"], real)
    assert readmedoc.matches(["head", "a", "...", "b", "cycles: 9,394", "tail"], real)
    assert not readmedoc.matches(["head", "...", "cycles: 9,395", "tail"], real)
    assert not readmedoc.matches(["head", "...", "cycles: 9,394"], real)
    assert not readmedoc.matches(["... a", "b", "cycles: 9,394", "tail"], real)


def test_regenerating_a_paste_keeps_the_elisions_that_still_fit():
    real = ["head", "new line", "a", "b", "c", "cycles: 10", "tail"]
    pasted = ["head", "a", "...", "c", "cycles: 9", "tail", "gone"]
    assert readmedoc.regenerate(pasted, real) == \
        ["head", "new line", "a", "...", "c", "cycles: 10", "tail"]
    assert readmedoc.regenerate(["x", "  ...", "y"], ["x", "y"]) == ["x", "  ...", "y"]


def test_a_transcript_splits_into_commands_and_their_output():
    text = "x\n<!-- readme-test: not run: too slow -->\n```\n$ a 1\none\n$ echo $?\n0\n```\n" \
           "  ```python\n  print(1)\n  ```\n"
    first, second = readmedoc.blocks(text)
    assert first.not_run == "too slow" and second.not_run is None
    assert readmedoc.steps(first) == [readmedoc.Step("a 1", ("one",)),
                                      readmedoc.Step("echo $?", ("0",))]
    assert second.lines == ("print(1)",) and second.info == "python"
    assert readmedoc.rewrite(text, {second: ["  print(2)"]}).endswith("  print(2)\n  ```\n")
