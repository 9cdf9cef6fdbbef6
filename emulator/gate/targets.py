"""What ``fwsandbox check`` runs: images from the command line and TOML manifests, and shards.

Manifest format (any ``.toml`` argument of ``check``; every key is checked and an unknown key or
a bad value is a ``BadInput`` naming the manifest and the key)::

    [defaults]                      # optional: for every [[image]] that does not say otherwise
    board = "cortex-m4"             # built-in board name, or a board .toml relative to this file
    rules = "rules/isr.toml"        # relative to this file
    run_for = "2s"                  # optional: firmware that never exits passes after this much
                                    # model time (or cycles: 5000000, "5M"), like --run-for
    idle_ok = true                  # optional: a core idle for good ends the run well (--idle-ok)
    explore = true                  # optional: also run `fwsandbox explore` on it; the races it
                                    # finds are findings of the image (SARIF, JUnit, the gate)

    [[image]]
    path = "build/app.elf"          # relative to this file; may be a glob ("build/*.elf")
    board = "e200-mcu"              # optional
    rules = "rules/strict.toml"     # optional
    name = "app"                    # optional id in reports and the baseline (not with a glob)
    run_for = 1000000               # optional, as in [defaults]; so is idle_ok

Precedence: the image's own key, then ``[defaults]``, then ``--board``/``--rules``/``--run-for``/
``--idle-ok``.
An image's id (its name in summaries, JUnit, SARIF and the baseline) is ``name``, else its path
as written (relative to the manifest for manifest entries), so ids do not depend on the
directory ``check`` runs from. Ids must be unique. Targets are always sorted by id.

Shards: ``--shard K/N`` (1 <= K <= N) keeps the targets whose index in that sorted list is
congruent to K-1 modulo N: deterministic, balanced to within one image, and the N shards
together run every image exactly once.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePath

from ..errors import BadInput
from ..load.inputfile import read_text
from ..machine.runlimits import parse_duration
from ..load.tomlkeys import parse_toml

_ENTRY_KEYS = {"path", "board", "rules", "name", "run_for", "idle_ok", "explore"}
_DEFAULT_KEYS = {"board", "rules", "run_for", "idle_ok", "explore"}


@dataclass(frozen=True)
class Target:
    """One image to check: its stable ``id``, the file to open and its board and rules."""

    id: str
    image: str
    board: str | None = None
    rules: str | None = None
    run_for: str | int | None = None    # a duration for runlimits.parse_duration
    idle_ok: bool = False
    explore: bool = False               # also explore interrupt timings (emulator/explore)


def collect_targets(args: list[str], board: str | None = None, rules: str | None = None,
                    limits: tuple = (None, False)) -> list[Target]:
    """Targets of the command-line arguments (images and ``.toml`` manifests), sorted by id;
    ``limits``: the command line's (run_for, idle_ok)."""
    targets: list[Target] = []
    for arg in args:
        if arg.endswith(".toml"):
            targets += load_manifest(Path(arg), board, rules, limits)
        else:
            targets.append(_image_target(arg, board, rules, limits))
    return _unique_sorted(targets)


def _image_target(arg: str, board: str | None, rules: str | None, limits: tuple) -> Target:
    if not Path(arg).is_file():
        raise BadInput(f"{arg}: no such image file")
    return Target(_display(arg), arg, board, rules, *limits)


def _display(path: str) -> str:
    """A path as a stable posix id: normalised, relative to the working directory when inside it."""
    norm = os.path.normpath(path)
    if os.path.isabs(norm):
        try:
            norm = os.path.relpath(norm)
        except ValueError:
            pass
        if norm.startswith(".."):
            norm = os.path.normpath(path)
    return PurePath(norm).as_posix()


def _unique_sorted(targets: list[Target]) -> list[Target]:
    seen: dict[str, Target] = {}
    for target in targets:
        if target.id in seen:
            raise BadInput(f"{target.image}: image id {target.id!r} is given twice "
                           f"(give each manifest entry its own 'name')")
        seen[target.id] = target
    return [seen[key] for key in sorted(seen)]


def load_manifest(path: Path, board: str | None = None, rules: str | None = None,
                  limits: tuple = (None, False)) -> list[Target]:
    """The targets a manifest lists; ``board``/``rules``/``limits`` are the command line's
    defaults."""
    if not path.is_file():
        raise BadInput(f"{path}: no such manifest file")
    data = parse_toml(read_text(path, "manifest"), path, "TOML manifest")
    return _Manifest(path).targets(data, board, rules, limits)


class _Manifest:
    """Parses one manifest's data; every error names the manifest and the key."""

    def __init__(self, path: Path):
        self.path = path
        self.base = path.parent

    def fail(self, key: str, reason: str):
        raise BadInput(f"{self.path}: key '{key}': {reason}")

    def targets(self, data: dict, board: str | None, rules: str | None,
                limits: tuple = (None, False)) -> list[Target]:
        unknown = sorted(set(data) - {"defaults", "image"})
        if unknown:
            self.fail(unknown[0], "unknown key (expected 'defaults' or 'image')")
        defaults = self.table(data.get("defaults", {}), "defaults", _DEFAULT_KEYS)
        board = self.board(defaults, "defaults.board", board)
        rules = self.rules(defaults, "defaults.rules", rules)
        self.limits = self.run_limits(defaults, "defaults", limits)
        self.explore = self.flag(defaults, "explore", "defaults.explore", False)
        entries = data.get("image", [])
        if not isinstance(entries, list) or not entries:
            self.fail("image", "expected one or more [[image]] tables")
        found: list[Target] = []
        for index, entry in enumerate(entries):
            found += self.entry(entry, f"image[{index}]", board, rules)
        return found

    def table(self, value, key: str, allowed: set[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "expected a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            self.fail(f"{key}.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(allowed))})")
        return value

    def string(self, table: dict, name: str, key: str) -> str | None:
        value = table.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            self.fail(key, "expected a non-empty string")
        return value

    def board(self, table: dict, key: str, fallback: str | None) -> str | None:
        value = self.string(table, "board", key)
        if value is None:
            return fallback
        return self.file(value, key) if value.endswith(".toml") else value

    def rules(self, table: dict, key: str, fallback: str | None) -> str | None:
        value = self.string(table, "rules", key)
        return fallback if value is None else self.file(value, key)

    def file(self, value: str, key: str) -> str:
        resolved = self.base / value
        if not resolved.is_file():
            self.fail(key, f"no such file {value!r}")
        return str(resolved)

    def entry(self, entry, key: str, board: str | None, rules: str | None) -> list[Target]:
        entry = self.table(entry, key, _ENTRY_KEYS)
        path = self.string(entry, "path", f"{key}.path")
        if path is None:
            self.fail(f"{key}.path", "required")
        name = self.string(entry, "name", f"{key}.name")
        board = self.board(entry, f"{key}.board", board)
        rules = self.rules(entry, f"{key}.rules", rules)
        limits = self.run_limits(entry, key, self.limits)
        explore = self.flag(entry, "explore", f"{key}.explore", self.explore)
        if glob.has_magic(path):
            if name is not None:
                self.fail(f"{key}.name", "cannot name a glob of images")
            return [Target(rel, str(self.base / rel), board, rules, *limits, explore)
                    for rel in self.glob(path, key)]
        self.file(path, f"{key}.path")
        return [Target(name or PurePath(os.path.normpath(path)).as_posix(),
                       str(self.base / path), board, rules, *limits, explore)]

    def flag(self, table: dict, name: str, key: str, fallback: bool) -> bool:
        value = table.get(name, fallback)
        if not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return value

    def run_limits(self, table: dict, key: str, fallback: tuple) -> tuple:
        """(run_for, idle_ok) of a table, each falling back to ``fallback``'s."""
        run_for, idle_ok = table.get("run_for", fallback[0]), table.get("idle_ok", fallback[1])
        if run_for is not None:
            if isinstance(run_for, bool) or not isinstance(run_for, (int, str)):
                self.fail(f"{key}.run_for", "expected cycles (an integer) or a duration string")
            try:
                parse_duration(run_for, 1_000_000_000, f"{key}.run_for")
            except BadInput as exc:
                self.fail(f"{key}.run_for", str(exc).split(": ", 1)[-1])
        if not isinstance(idle_ok, bool):
            self.fail(f"{key}.idle_ok", "expected true or false")
        return run_for, idle_ok

    def glob(self, pattern: str, key: str) -> list[str]:
        matches = sorted(PurePath(p).as_posix()
                         for p in glob.glob(pattern, root_dir=self.base, recursive=True)
                         if (self.base / p).is_file())
        if not matches:
            self.fail(f"{key}.path", f"no file matches {pattern!r}")
        return matches


def parse_shard(spec: str | None) -> tuple[int, int] | None:
    """``"K/N"`` as ``(K, N)`` with 1 <= K <= N; ``None`` stays ``None``."""
    if spec is None:
        return None
    k, sep, n = spec.partition("/")
    if sep and k.strip().isdigit() and n.strip().isdigit():
        shard, count = int(k), int(n)
        if 1 <= shard <= count:
            return shard, count
    raise BadInput(f"--shard {spec!r}: expected K/N with 1 <= K <= N (e.g. 2/4)")


def select_shard(targets: list[Target], shard: tuple[int, int] | None) -> list[Target]:
    """The shard's slice of ``targets`` (sorted by id): every N-th from index K-1."""
    if shard is None:
        return list(targets)
    k, n = shard
    ordered = sorted(targets, key=lambda t: t.id)
    return [t for index, t in enumerate(ordered) if index % n == k - 1]
