"""Boards as data: TOML files parsed into frozen dataclasses (memory map, peripherals, clock)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput

BUILTIN = Path(__file__).parent / "boards"
ARCHES = ("cortex-m", "ppc-booke")
FPUS = ("none", "fpv4-sp-d16")
DEFAULT_FPU = {"cortex-m4": "fpv4-sp-d16"}      # by cpu; every other core has none


@dataclass(frozen=True)
class Region:
    name: str
    base: int
    size: int
    perms: str = "rwx"

    def contains(self, addr: int, size: int = 1) -> bool:
        return self.base <= addr and addr + size <= self.base + self.size


@dataclass(frozen=True)
class PeripheralSpec:
    name: str
    kind: str
    base: int
    size: int
    irq: int | None = None
    params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Board:
    name: str
    arch: str
    cpu: str
    cycle_model: str
    clock_hz: int
    num_irq: int
    priority_bits: int
    scratch: int
    memory: tuple[Region, ...]
    peripherals: tuple[PeripheralSpec, ...]
    source: str = ""
    fpu: str = "none"                   # the core's FP extension ('fpv4-sp-d16': Cortex-M4F)

    def region_of(self, addr: int, size: int = 1) -> Region | None:
        return next((r for r in self.memory if r.contains(addr, size)), None)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.toml"))


def load_board(name_or_path: str | Path) -> Board:
    """A built-in board by name (``cortex-m4``, ``e200-mcu``) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix and (BUILTIN / f"{name_or_path}.toml").exists():
        path = BUILTIN / f"{name_or_path}.toml"
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise BadInput(f"{path}: no such board file (built-in boards: {', '.join(builtin_names())})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read board file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: not valid TOML: {exc}") from None
    return parse_board(data, str(path))


def parse_board(data: dict, source: str) -> Board:
    fields = _Fields(data.get("board"), source, "board")
    name, arch, cpu = fields.str("name"), fields.choice("arch", ARCHES), fields.str("cpu")
    board = Board(
        name=name, arch=arch, cpu=cpu,
        cycle_model=fields.str("cycle_model"), clock_hz=fields.int("clock_hz", 1),
        num_irq=fields.int("num_irq", 0, default=0), priority_bits=fields.int("priority_bits", 0, default=8),
        scratch=fields.int("scratch", 0), source=source,
        fpu=fields.choice("fpu", FPUS, default=DEFAULT_FPU.get(cpu, "none")),
        memory=tuple(_region(m, source, i) for i, m in enumerate(_table_list(data, "memory", source))),
        peripherals=tuple(_peripheral(p, source, i)
                          for i, p in enumerate(_table_list(data, "peripheral", source, required=False))))
    _check_overlaps(board)
    return board


def _table_list(data: dict, key: str, source: str, required: bool = True) -> list:
    items = data.get(key, [])
    if not isinstance(items, list) or (required and not items):
        raise BadInput(f"{source}: key '{key}': expected one or more [[{key}]] tables")
    return items


def _region(table, source: str, i: int) -> Region:
    f = _Fields(table, source, f"memory[{i}]")
    perms = f.str("perms", default="rwx")
    if not perms or set(perms) - set("rwx"):
        raise BadInput(f"{source}: key 'memory[{i}].perms': expected letters from 'rwx', got {perms!r}")
    return Region(f.str("name"), f.int("base", 0), f.int("size", 1), perms)


def _peripheral(table, source: str, i: int) -> PeripheralSpec:
    f = _Fields(table, source, f"peripheral[{i}]")
    known = {"name", "kind", "base", "size", "irq"}
    params = tuple(sorted((k, v) for k, v in table.items() if k not in known))
    return PeripheralSpec(f.str("name"), f.str("kind"), f.int("base", 0), f.int("size", 1),
                          f.int("irq", 0, default=None), params)


def _check_overlaps(board: Board) -> None:
    spans = sorted([(r.base, r.size, r.name) for r in board.memory] +
                   [(p.base, p.size, p.name) for p in board.peripherals])
    for (b1, s1, n1), (b2, _, n2) in zip(spans, spans[1:]):
        if b1 + s1 > b2:
            raise BadInput(f"{board.source}: '{n1}' (0x{b1:08x}+0x{s1:x}) overlaps '{n2}' (0x{b2:08x})")


class _Fields:
    """Typed access to one TOML table, with errors naming the file and the key."""

    def __init__(self, table, source: str, where: str):
        if not isinstance(table, dict):
            raise BadInput(f"{source}: key '{where}': missing or not a table")
        self.table, self.source, self.where = table, source, where

    def _get(self, key: str, default):
        if key not in self.table:
            if default is _REQUIRED:
                raise BadInput(f"{self.source}: key '{self.where}.{key}': missing")
            return default
        return self.table[key]

    def str(self, key: str, default=None) -> str:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, str) or not value:
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected a non-empty string, got {value!r}")
        return value

    def int(self, key: str, minimum: int, default=...) -> int | None:
        value = self._get(key, _REQUIRED if default is ... else default)
        if value is None and default is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected an integer >= {minimum}, got {value!r}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default=None) -> str:
        value = self.str(key, default)
        if value not in options:
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected one of {', '.join(options)}, got {value!r}")
        return value


_REQUIRED = object()
