"""The report model: frozen dataclasses for findings, statistics and one run's report."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..events import Context

FINDING_KINDS = ("alloc-in-isr", "blocking-in-isr", "isr-stack-overflow", "alloc-cycles", "allocator-reentry",
                 "heap-integrity", "fault", "isr-cycles", "masked-cycles", "latency-cycles")


@dataclass(frozen=True)
class Finding:
    """One problem found in a run.

    ``location`` is ``symbol+0xoff`` of ``pc``; ``source`` is (file, line) of ``pc`` from the
    image's DWARF line table (None without DWARF; see emulator/load/dwarf.py for how files are
    named), filled in when the report is built; ``details`` holds kind-specific facts as sorted
    (name, value) pairs (values are str or int); ``registers`` the register dump of a fault, in
    the core's order; ``count`` is how often the same (kind,
    function, location, handler) happened, the other fields describe the first occurrence.
    """

    kind: str
    message: str
    pc: int | None
    location: str
    function: str | None
    context: Context
    cycle: int
    backtrace: tuple[str, ...] = ()
    count: int = 1
    details: tuple[tuple[str, str | int], ...] = ()
    source: tuple[str, int] | None = None
    registers: tuple[tuple[str, int], ...] = ()     # at a fault: the core's registers, in order

    @property
    def sort_key(self) -> tuple:
        return (self.cycle, self.kind, self.function or "", self.location, self.message)


@dataclass(frozen=True)
class AllocStats:
    """Exclusive-cycle statistics of one function in one context, with its wall (inclusive) figures.

    The context is a handler name, ``thread``, or with more than one thread ``thread@<stack>``.
    Exclusive cycles leave out preempting interrupts and the time other threads ran; inclusive
    (wall) cycles are from entry to return, everything included.  Percentiles use the
    nearest-rank method: the value at rank ceil(p/100 * n) of the sorted samples (1-based), so
    p50 and p99 are always observed values.
    """

    function: str
    context: str
    calls: int
    min: int
    p50: int
    mean: float
    p99: int
    max: int
    total: int
    max_at: str                         # call site of the slowest call
    max_cycle: int                      # cycle at which the slowest call was entered
    inclusive_max: int                  # slowest call including interrupts and other threads
    inclusive_total: int
    inclusive_p50: int                  # wall-time percentiles, same method
    inclusive_p99: int


@dataclass(frozen=True)
class StackStats:
    """High-water mark of a watched stack: bytes used below ``top`` at the deepest point."""

    name: str
    base: int
    top: int
    limit: int                          # budget in bytes, or top - base when none is set
    high_water: int
    lowest: int                         # deepest address used
    worst_chain: tuple[str, ...]        # handler chain active at the deepest point
    per_handler: tuple[tuple[str, int], ...] = ()   # (innermost handler, high water), sorted


@dataclass(frozen=True)
class InterruptStats:
    """How often one interrupt was taken and the deepest nesting it was taken at."""

    irq: int
    name: str
    handler: str
    taken: int
    max_depth: int


@dataclass(frozen=True)
class HeapStats:
    """Per-allocator (group) block accounting; ``live`` blocks at the end are the leaks."""

    allocator: str
    allocs: int
    frees: int
    live: int
    live_bytes: int
    peak_live: int
    leaked: tuple[int, ...] = ()        # addresses of blocks still live at the end, sorted


@dataclass(frozen=True)
class Unreturned:
    """Calls of one watched function that never returned, for one reason (stack-unwound,
    interrupt-exit, run-ended: emulator/detectors/unreturned.py)."""

    function: str
    reason: str
    calls: int


@dataclass(frozen=True)
class AllocCall:
    """One completed call of a watched function, for histograms and budgets."""

    function: str
    context: str
    cycle: int
    call_site: str
    args: str
    inclusive: int
    exclusive: int


@dataclass(frozen=True)
class HandlerStats:
    """Path length of one interrupt handler, per invocation, from its first instruction to the
    end of its exception return: exclusive of the interrupts nested in it (their entry,
    handlers and return), and inclusive (wall).  Nearest-rank percentiles; the slowest
    invocation is the earliest of the largest exclusive ones: entered at ``max_cycle`` having
    interrupted ``max_at``.  ``open`` counts invocations still running when the run ended
    (not in the figures)."""

    handler: str
    irq: int
    name: str
    calls: int
    min: int
    p50: int
    p99: int
    max: int
    max_cycle: int
    max_at: str
    inclusive_p50: int
    inclusive_p99: int
    inclusive_max: int
    open: int = 0
    samples: tuple[int, ...] = ()       # exclusive cycles of every invocation, in order


@dataclass(frozen=True)
class LatencyStats:
    """Cycles from interrupt ``irq`` becoming pending to its handler's first instruction
    (exception entry included), over every taking of it with a pending record.  ``cause``
    says what held the worst one (taken at ``max_cycle``); ``unmeasured`` counts takings with no
    pending record (a source whose controller reports none: the sandbox says so)."""

    irq: int
    name: str
    handler: str
    count: int
    min: int
    p50: int
    p99: int
    max: int
    max_cycle: int
    cause: str
    unmeasured: int = 0
    samples: tuple[int, ...] = ()


@dataclass(frozen=True)
class MaskedSection:
    """One stretch with interrupts masked by the firmware: from the instruction that masked
    (``start``, in ``function``) to the one that unmasked (``end``), ``cycles`` long."""

    cycle: int
    cycles: int
    start: str
    end: str
    register: str
    function: str
    context: str


@dataclass(frozen=True)
class MaskedStats:
    """The masked sections begun in one function (``function``: the symbol of the masking
    instruction): how many, their total, mean and longest, the longest's start and cycle."""

    function: str
    sections: int
    total: int
    mean: float
    max: int
    max_at: str
    max_end: str
    max_cycle: int
    samples: tuple[int, ...] = ()


@dataclass(frozen=True)
class WatchSummary:
    """What a run watched: profiles enabled (name, why), the user's rules file, the functions
    hooked, and the interrupt stack with where its bounds came from (or why it is not watched:
    ``stack_base``/``stack_top`` None, ``stack_source`` the reason)."""

    profiles: tuple[tuple[str, str], ...]
    rules_file: str | None
    functions: tuple[str, ...]
    stack_name: str
    stack_base: int | None
    stack_top: int | None
    stack_source: str


@dataclass(frozen=True)
class Report:
    """Everything one run produced, ready for the renderers."""

    image_path: str
    image_sha256: str
    board: str
    cycle_model: str
    cycle_model_version: str
    exit_reason: str
    exit_code: int | None
    cycles: int
    instructions: int
    findings: tuple[Finding, ...] = ()
    allocations: tuple[AllocStats, ...] = ()
    stacks: tuple[StackStats, ...] = ()
    interrupts: tuple[InterruptStats, ...] = ()
    heaps: tuple[HeapStats, ...] = ()
    calls: Sequence[AllocCall] = ()     # a tuple, or records made on first read
    unreturned: tuple[Unreturned, ...] = ()
    watch: WatchSummary | None = None   # what the run watched (emulator/probes/watch.py)
    handlers: tuple[HandlerStats, ...] = ()
    latencies: tuple[LatencyStats, ...] = ()
    masked: tuple[MaskedStats, ...] = ()
    masked_longest: tuple[MaskedSection, ...] = ()  # the longest sections overall, longest first
    timing_notes: tuple[str, ...] = ()  # what the timing figures could not watch
    not_modelled: tuple[str, ...] = ()  # what the core saw the firmware use and cannot model
    timeline: object = None             # detectors.timeline.Timeline: kept events for pictures
    budget_lines: tuple[tuple[str, str, int], ...] = ()   # (table, name, limit) for pictures:
                                        # 'alloc' function max, 'isr' handler, 'latency' handler,
                                        # 'masked' function
