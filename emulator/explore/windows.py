"""The windows of a run and the points to explore in them (issue 17).

A *window* is a call of a watched allocator/free function, or of a ``--window`` function, from
its entry until control is back at its return address with the stack at the caller's level
(DESIGN §5: gcc's tail calls); or an address range ``LO-HI`` entered at LO, until control leaves
it.  A window belongs to the context it was entered in (thread code, or a handler that higher-
priority interrupts may preempt): its *boundaries* are the instruction boundaries executed in
that context, handlers that really preempt it excluded.  A *point* is one boundary and one
interrupt that could be taken there (irqs.takeable: masks, priorities, controller state).

Points are deduplicated by (window, call site, path so far, interrupt): a loop calling the
same allocator the same way is explored once.  Two boundaries at the same cycle (an
instruction the cycle model charges nothing) are one point: an injection names a cycle.

The recorder rides the run: breakpoints at the window entries (emulator/debug/stops.py) and,
while a window is open, a Python call before each instruction; none otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from ..debug.stops import CodeStops
from ..errors import BadInput
from .inject import boundary_cycle
from .irqs import depth_of


class WindowSpec(NamedTuple):
    """A function (``end`` None) or an address range [entry, end); ``user``: a ``--window``
    one (its branches also watch for lost updates, shared.py)."""

    name: str
    entry: int
    end: int | None = None
    user: bool = False


@dataclass
class Occurrence:
    """One execution of a window."""

    spec: WindowSpec
    call_site: str
    ret: int                   # function windows: the return address
    sp: int                    # the stack pointer at entry
    depth: int                 # interrupts active when it was entered
    candidates: tuple[int, ...]
    path: list[int] = field(default_factory=list)
    last_cycle: int = -1

    @property
    def label(self) -> str:
        return f"{self.spec.name} from {self.call_site}" if self.call_site else self.spec.name

    def ends_at(self, pc: int, sp: int, depth: int) -> bool:
        if depth < self.depth:
            return True                 # the handler it ran in has returned
        if depth > self.depth:
            return False
        if self.spec.end is None:
            return pc == self.ret and sp >= self.sp
        return not self.spec.entry <= pc < self.spec.end


class Point(NamedTuple):
    """An interrupt to deliver at one boundary of one window occurrence."""

    index: int
    window: str                # Occurrence.label
    number: int
    pc: int
    location: str
    cycle: int
    boundary: int              # its position among the window's boundaries


@dataclass
class Coverage:
    occurrences: int = 0
    windows: dict = field(default_factory=dict)      # label -> set of distinct paths
    boundaries: int = 0                              # distinct boundaries seen
    masked: int = 0                                  # (boundary, interrupt) not takeable
    skipped: int = 0                                 # points past --max-points or --stride
    candidates: set = field(default_factory=set)     # interrupts considered in some window


def window_specs(machine, rules, extra: tuple[str, ...]) -> list[WindowSpec]:
    """The watched allocator/free functions of ``rules`` plus the ``--window`` ones."""
    symbols = machine.image.symbols
    specs = [WindowSpec(name, symbols.get(name) & ~1) for name in sorted(rules.watched)
             if symbols.get(name) is not None]
    for text in extra:
        specs.append(_parse_window(machine, text))
    return specs


def _parse_window(machine, text: str) -> WindowSpec:
    if "-" in text and not machine.image.symbols.get(text):
        lo, _, hi = text.partition("-")
        try:
            start, end = int(lo, 0), int(hi, 0)
        except ValueError:
            raise BadInput(f"--window {text!r}: expected SYMBOL or LO-HI addresses") from None
        if end <= start:
            raise BadInput(f"--window {text!r}: the range is empty")
        return WindowSpec(f"0x{start:x}-0x{end:x}", start, end, True)
    addr = machine.image.symbols.get(text)
    if addr is None:
        raise BadInput(f"--window: {machine.image.path} has no symbol '{text}'")
    return WindowSpec(text, addr & ~1, None, True)


class Recorder:
    """Finds the points of a run as it goes; ``on_point(point, occurrence)`` is called at the
    boundary itself (the machine stands just before its instruction).  ``branch`` (once set,
    in a branch's process) takes over the hook."""

    def __init__(self, machine, irqs, specs: list[WindowSpec], numbers: tuple[int, ...],
                 stride: int, max_points: int, on_point: Callable):
        self.machine, self.irqs, self.numbers = machine, irqs, numbers
        self.stride, self.max_points, self.on_point = stride, max_points, on_point
        self.entries = {}
        for spec in sorted(specs, key=lambda s: not s.user):    # a --window one wins
            self.entries.setdefault(spec.entry, spec)
        self.open: list[Occurrence] = []
        self.seen: set = set()
        self.points: list[Point] = []
        self.coverage = Coverage()
        self.branch = None
        self.stops = CodeStops(machine, self._on_code)
        for addr in self.entries:
            if not self.stops.add_break(addr):
                raise BadInput(f"{machine.image.path}: more than 64 window entries to watch")

    def _on_code(self, pc: int) -> None:
        if self.branch is not None:
            self.branch.on_code(pc)
            return
        sp, depth = self.machine.cpu.reg("sp"), depth_of(self.machine)
        while self.open and self.open[-1].ends_at(pc, sp, depth):
            self._close(self.open.pop())
        spec = self.entries.get(pc)
        if spec is not None and not (self.open and self.open[-1].spec is spec
                                     and self.open[-1].depth == depth):
            self.open.append(self._occurrence(spec, sp, depth))
        top = self.open[-1] if self.open else None
        if top is not None and top.depth == depth:
            self._boundary(top, pc)
        if self.branch is None:                  # (a forked branch set its own stops)
            self.stops.halt = bool(self.open)

    def _occurrence(self, spec: WindowSpec, sp: int, depth: int) -> Occurrence:
        m = self.machine
        lr = m.cpu.reg("lr")
        ret = lr & ~1 if m.spec.thumb_code_symbols else lr
        site = m.describe(m.core.call_site(ret)) if spec.end is None else ""
        numbers = self.numbers or self.irqs.candidates()
        self.coverage.occurrences += 1
        self.coverage.candidates.update(numbers)
        return Occurrence(spec, site, ret, sp, depth, numbers)

    def _close(self, occ: Occurrence) -> None:
        self.coverage.windows.setdefault(occ.label, set()).add(tuple(occ.path))

    def _boundary(self, occ: Occurrence, pc: int) -> None:
        occ.path.append(pc)
        cycle = boundary_cycle(self.machine, pc)
        if cycle == occ.last_cycle:
            return                      # the same cycle as the previous boundary: one point
        occ.last_cycle = cycle
        position = len(occ.path) - 1
        where = (occ.label, tuple(occ.path))
        if position == 0 or where in self.seen:   # before its first instruction: not yet inside
            return
        self.seen.add(where)
        self.coverage.boundaries += 1
        if position % self.stride:
            self.coverage.skipped += len(occ.candidates)
            return
        for number in occ.candidates:
            if not self.irqs.takeable(number):
                self.coverage.masked += 1
            elif len(self.points) >= self.max_points:
                self.coverage.skipped += 1
            else:
                point = Point(len(self.points), occ.label, number, pc, self.machine.describe(pc),
                              cycle, position)
                self.points.append(point)
                self.on_point(point, occ)
                if self.branch is not None:
                    return                       # this process is now that point's branch
