"""Boards as data: TOML files parsed into frozen dataclasses (memory map, peripherals, clock)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..arch import ARCHES, spec_for
from ..errors import BadInput
from .inputfile import read_text
from .irqspec import IrqRef, board_controllers, check_lines, parse_irq, resolve
from .tomlkeys import key_lines, line_of, parse_toml

BUILTIN = Path(__file__).parent.parent / "boards"
UNCLAIMED = ("fault", "stub")
PAGE = 0x1000                                   # the engine maps memory in 4 KiB pages
SPACE = 1 << 32                                 # 32-bit address space
MAX_PRIORITY_BITS = 8
MAX_CLOCK_HZ = 1 << 40
# Integer peripheral parameters: (minimum, maximum); every other one is 0 <= value < 2**32.
PARAM_RANGES = {"sources": (1, 1024), "channels": (1, 32)}
MAX_PARAM_DEPTH = 4                             # nested arrays/tables in a peripheral parameter


@dataclass(frozen=True)
class Region:
    name: str
    base: int
    size: int
    perms: str = "rwx"
    wait_states: int = 0    # extra cycles per access (emulator/arch/arm/waits.py), 0: zero-wait

    def contains(self, addr: int, size: int = 1) -> bool:
        return self.base <= addr and addr + size <= self.base + self.size


@dataclass(frozen=True)
class PeripheralSpec:
    name: str
    kind: str
    base: int
    size: int
    irq: tuple[IrqRef, ...] = ()        # the controller lines it drives (load/irqspec.py)
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
    vtor: int = 0                       # Cortex-M: VTOR out of reset
    alias: tuple[int, str] | None = None   # (at, memory name): that memory is also seen at `at`
    unclaimed: str = "fault"            # peripheral-space addresses no peripheral claims:
                                        # 'fault', or 'stub' (read back what was written, logged)

    def ram_top(self) -> int:
        """The end of the largest writable memory region (0 without one)."""
        ram = max((r for r in self.memory if "w" in r.perms), key=lambda r: r.size, default=None)
        return ram.base + ram.size if ram else 0

    def has_wait_states(self) -> bool:
        return any(r.wait_states for r in self.memory)

    def wait_states_at(self, addr: int) -> int:
        """The wait states of the memory at ``addr`` (0 outside every region)."""
        region = self.region_of(addr)
        return region.wait_states if region is not None else 0

    def region_of(self, addr: int, size: int = 1) -> Region | None:
        return next((r for r in self.memory + self.alias_regions() if r.contains(addr, size)),
                    None)

    def alias_regions(self) -> tuple[Region, ...]:
        """The alias as a region of its own (``flash@0x0``), or none."""
        if self.alias is None:
            return ()
        at, name = self.alias
        of = next(r for r in self.memory if r.name == name)
        return (Region(f"{name}@0x{at:x}", at, of.size, of.perms, of.wait_states),)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.toml"))


def load_board(name_or_path: str | Path) -> Board:
    """A built-in board by name (``cortex-m4``, ``e200-mcu``) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.suffix and (BUILTIN / f"{name_or_path}.toml").exists():
        path = BUILTIN / f"{name_or_path}.toml"
    if not path.suffix and not path.exists():
        raise BadInput(f"{path}: no such board file (built-in boards: {', '.join(builtin_names())})")
    text = read_text(path, "board")
    return parse_board(parse_toml(text, path, "board TOML"), str(path), text)


BOARD_KEYS = {"name", "arch", "cpu", "cycle_model", "clock_hz", "num_irq", "priority_bits",
              "scratch", "fpu", "vtor", "alias", "unclaimed"}
MEMORY_KEYS = {"name", "base", "size", "perms", "wait_states"}
MAX_WAIT_STATES = 15                            # flash controllers offer 0-15 (e.g. STM32 LATENCY)


def parse_board(data: dict, source: str, text: str = "") -> Board:
    """The board of a parsed TOML document; every error in it, each naming the file, the line
    (from ``text``, the document's source) and the key, in one BadInput (one line each)."""
    if not isinstance(data, dict):
        raise BadInput(f"{source}: expected a TOML document with a [board] table")
    errors = _Errors(source, key_lines(text))
    board = errors.collect(lambda: _board(data, source, errors))
    errors.raise_any()
    for check in (_check_overlaps, _check_pages, _check_irqs):
        errors.collect(lambda: check(board))
    errors.raise_any()
    return board


def _board(data: dict, source: str, errors: "_Errors") -> Board | None:
    """The board, or None when ``errors`` holds what is wrong with it."""
    fields = _Fields(data.get("board"), source, "board")
    errors.unknown(fields.table, "board", BOARD_KEYS)
    name = errors.collect(lambda: fields.str("name"))
    arch = fields.choice("arch", tuple(ARCHES))
    spec = spec_for(arch)       # the engine CPU names and cycle models a board of it may name
    cpu = errors.collect(lambda: fields.choice("cpu", tuple(name for name, _ in spec.cpus)))
    got = {key: errors.collect(read) for key, read in (
        ("cycle_model", lambda: fields.choice("cycle_model", spec.cycle_models)),
        ("clock_hz", lambda: fields.int("clock_hz", 1, maximum=MAX_CLOCK_HZ)),
        ("num_irq", lambda: fields.int("num_irq", 0, default=0, maximum=spec.max_irqs)),
        ("priority_bits", lambda: fields.int("priority_bits", 0, default=8,
                                             maximum=MAX_PRIORITY_BITS)),
        ("scratch", lambda: fields.int("scratch", 0, maximum=SPACE - PAGE)),
        ("fpu", lambda: _fpu(fields, spec, cpu)),
        ("vtor", lambda: fields.int("vtor", 0, default=0, maximum=SPACE - 1)),
        ("unclaimed", lambda: fields.choice("unclaimed", UNCLAIMED, default="fault")))}
    memory = [errors.collect(lambda i=i, m=m: _region(m, source, i, errors))
              for i, m in enumerate(errors.collect(lambda: _table_list(data, "memory", source), []))]
    peripherals = [errors.collect(lambda i=i, p=p: _peripheral(p, source, i)) for i, p in
                   enumerate(errors.collect(lambda: _table_list(data, "peripheral", source,
                                                                required=False), []))]
    if errors.found:
        return None
    board = Board(name=name, arch=arch, cpu=cpu, source=source, memory=tuple(memory),
                  peripherals=tuple(peripherals), **got)
    return replace(board, alias=_alias(data["board"], board))


def _fpu(fields: "_Fields", spec, cpu: str | None) -> str:
    """Board key 'fpu': one of the FP extensions the spec lists for ``cpu``, its first by default."""
    choices = dict(spec.fpus).get(cpu, ("none",))
    return fields.choice("fpu", choices, default=choices[0])


class _Errors:
    """Collects BadInput errors of one board file, each given the line its key is written on."""

    def __init__(self, source: str, lines: dict[str, int]):
        self.source, self.lines, self.found = source, lines, []

    def collect(self, action, default=None):
        try:
            return action()
        except BadInput as exc:
            self.found.append(self._with_line(str(exc)))
            return default

    def unknown(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            self.found.append(self._with_line(f"{self.source}: key '{where}.{key}': unknown key "
                                              f"(expected one of {', '.join(sorted(allowed))})"))

    def _with_line(self, message: str) -> str:
        key = message.split("key '", 1)[1].split("'", 1)[0] if "key '" in message else None
        line = line_of(self.lines, key) if key else None
        prefix = f"{self.source}: "
        if line is None or not message.startswith(prefix):
            return message
        return f"{self.source}:{line}: {message[len(prefix):]}"

    def raise_any(self) -> None:
        if self.found:
            raise BadInput("\n".join(dict.fromkeys(self.found)))


def _alias(table: dict, board: Board) -> tuple[int, str] | None:
    """``alias = { at = 0x0, of = "flash" }``: real chips show their boot memory at 0 too."""
    if "alias" not in table:
        return None
    f = _Fields(table["alias"], board.source, "board.alias")
    at, of = f.int("at", 0, maximum=SPACE - PAGE), f.str("of")
    region = next((r for r in board.memory if r.name == of), None)
    if region is None:
        raise BadInput(f"{board.source}: key 'board.alias.of': no [[memory]] named {of!r}")
    if at % PAGE or at + region.size > SPACE:
        raise BadInput(f"{board.source}: key 'board.alias.at': 0x{at:x} is not a 4 KiB page "
                       f"with room for '{of}' (0x{region.size:x} bytes)")
    return at, of


def _table_list(data: dict, key: str, source: str, required: bool = True) -> list:
    items = data.get(key, [])
    if not isinstance(items, list) or (required and not items):
        raise BadInput(f"{source}: key '{key}': expected one or more [[{key}]] tables")
    return items


def _region(table, source: str, i: int, errors: _Errors | None = None) -> Region:
    f = _Fields(table, source, f"memory[{i}]")
    if errors is not None:
        errors.unknown(table, f"memory[{i}]", MEMORY_KEYS)
    perms = f.str("perms", default="rwx")
    if not perms or set(perms) - set("rwx"):
        raise BadInput(f"{source}: key 'memory[{i}].perms': expected letters from 'rwx', got {perms!r}")
    base, size = f.int("base", 0, maximum=SPACE - PAGE), f.int("size", 1, maximum=SPACE)
    if base % PAGE:
        raise BadInput(f"{source}: key 'memory[{i}].base': 0x{base:x} is not a multiple of 4 KiB "
                       "(memory is mapped in 4 KiB pages)")
    if base + size > SPACE:
        raise BadInput(f"{source}: key 'memory[{i}].size': 0x{base:x}+0x{size:x} runs past the "
                       "end of the 32-bit address space")
    return Region(f.str("name"), base, size, perms,
                  f.int("wait_states", 0, default=0, maximum=MAX_WAIT_STATES))


def _peripheral(table, source: str, i: int) -> PeripheralSpec:
    f = _Fields(table, source, f"peripheral[{i}]")
    if isinstance(table, dict) and "first_source" in table:
        raise BadInput(f"{source}: key 'peripheral[{i}].first_source': now written as the "
                       f"first channel's line, irq = \"intc@{_short(table['first_source'])}\"")
    known = {"name", "kind", "base", "size", "irq"}
    params = tuple(sorted((k, _param(v, source, f"peripheral[{i}].{k}"))
                          for k, v in table.items() if k not in known))
    base, size = f.int("base", 0, maximum=SPACE - 1), f.int("size", 1, maximum=SPACE)
    if base + size > SPACE:
        raise BadInput(f"{source}: key 'peripheral[{i}].size': 0x{base:x}+0x{size:x} runs past "
                       "the end of the 32-bit address space")
    return PeripheralSpec(f.str("name"), f.str("kind"), base, size,
                          parse_irq(table.get("irq"), source, f"peripheral[{i}].irq"), params)


def _param(value, source: str, key: str, depth: int = 0):
    """A peripheral parameter, checked: integers in range, no deep nesting."""
    if depth > MAX_PARAM_DEPTH:
        raise BadInput(f"{source}: key '{key}': nested too deeply")
    if isinstance(value, bool) or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        low, high = PARAM_RANGES.get(key.rsplit(".", 1)[-1], (0, SPACE - 1))
        if not low <= value <= high:
            raise BadInput(f"{source}: key '{key}': expected an integer from {low} to {high}, "
                           f"got {value!r}")
        return value
    if isinstance(value, list):
        return [_param(v, source, f"{key}[{n}]", depth + 1) for n, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _param(v, source, f"{key}.{k}", depth + 1) for k, v in value.items()}
    raise BadInput(f"{source}: key '{key}': unsupported value {value!r}")


def _page_span(base: int, size: int) -> tuple[int, int]:
    return base & ~(PAGE - 1), (base + size + PAGE - 1) & ~(PAGE - 1)


def _check_pages(board: Board) -> None:
    """The engine maps whole pages: memory regions (rounded up), the scratch page and the
    peripherals' pages must not share a page (two peripherals may share one)."""
    if board.scratch % PAGE:
        raise BadInput(f"{board.source}: key 'board.scratch': 0x{board.scratch:x} is not a "
                       "multiple of 4 KiB")
    spans = [(*_page_span(r.base, r.size), f"memory '{r.name}'") for r in board.memory]
    spans.append((board.scratch, board.scratch + PAGE, "the scratch page (board.scratch)"))
    merged: list[list] = []                     # peripheral pages, neighbours merged
    for lo, hi, what in sorted((*_page_span(p.base, p.size), f"peripheral '{p.name}'")
                               for p in board.peripherals):
        if merged and lo < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi, what])
    spans = sorted(spans + [tuple(m) for m in merged])
    for (lo1, hi1, n1), (lo2, _, n2) in zip(spans, spans[1:]):
        if hi1 > lo2:
            raise BadInput(f"{board.source}: {n1} (pages 0x{lo1:08x}-0x{hi1 - 1:08x}) overlaps "
                           f"{n2} (from 0x{lo2:08x}): memory is mapped in whole 4 KiB pages")


def _check_irqs(board: Board) -> None:
    """IRQ lines exist: each ``irq`` names a controller the board has (the NVIC of its SCS, an
    INTC) and lines of it (load/irqspec.py); a Cortex-M board needs its SCS (the core reads
    VTOR and the NVIC there)."""
    controllers = board_controllers(board)
    for i, p in enumerate(board.peripherals):
        where = f"{board.source}: key 'peripheral[{i}].irq'"
        channels = dict(p.params).get("channels", 1)
        outputs = channels if isinstance(channels, int) else 1
        if p.irq:
            check_lines(resolve(p.irq, controllers, where), outputs, controllers, where)
    spec = spec_for(board.arch)
    for kind, what in spec.required_peripherals:
        if not any(p.kind == kind for p in board.peripherals):
            raise BadInput(f"{board.source}: key 'peripheral': a {board.arch} board needs {what} "
                           f"(a peripheral of kind '{kind}')")


def _check_overlaps(board: Board) -> None:
    spans = sorted([(r.base, r.size, r.name) for r in board.memory + board.alias_regions()] +
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
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected a non-empty string, got {_short(value)}")
        return value

    def int(self, key: str, minimum: int, default=..., maximum: int = SPACE - 1) -> int | None:
        value = self._get(key, _REQUIRED if default is ... else default)
        if value is None and default is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected an integer from "
                           f"{minimum} to {maximum}, got {_short(value)}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default=None) -> str:
        value = self.str(key, default)
        if value not in options:
            raise BadInput(f"{self.source}: key '{self.where}.{key}': expected one of {', '.join(options)}, got {_short(value)}")
        return value


def _short(value) -> str:
    """``repr(value)`` cut to one short line for an error message."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


_REQUIRED = object()
