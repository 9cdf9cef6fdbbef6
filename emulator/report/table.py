"""Plain-text tables and CSV for the cycle-count report (``fwsandbox report``)."""
from __future__ import annotations

import csv
import io
from typing import Sequence

from .model import Report
from .timing import (HANDLER_COLUMNS, LATENCY_COLUMNS, LONGEST_COLUMNS, MASKED_COLUMNS, handler_rows,
                     latency_rows, longest_rows, masked_rows, notes)

ALLOC_COLUMNS = ("function", "context", "calls", "min", "p50", "mean", "p99", "max", "total",
                 "max_at", "max_cycle", "inclusive_max", "inclusive_p50", "inclusive_p99")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned, text left-aligned."""
    cells = [list(map(str, headers))] + [[cell_text(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [bool(rows) and all(isinstance(row[i], (int, float)) for row in rows)
               for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric)]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def cell_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "-" if value is None else str(value)


def alloc_rows(report: Report) -> list[list[object]]:
    return [[s.function, s.context, s.calls, s.min, s.p50, s.mean, s.p99, s.max, s.total,
             s.max_at, s.max_cycle, s.inclusive_max, s.inclusive_p50, s.inclusive_p99]
            for s in report.allocations]


def stack_rows(report: Report) -> list[list[object]]:
    rows = []
    for s in report.stacks:
        chain = " > ".join(s.worst_chain) or "-"
        rows.append([s.name, "(worst nesting)", f"{s.base:#x}", f"{s.top:#x}", s.limit, s.high_water, chain])
        rows += [[s.name, handler, "", "", s.limit, used, ""] for handler, used in s.per_handler]
    return rows


def render_table(report: Report) -> str:
    """Allocation cycles, interrupt-stack high-water marks, interrupts taken and heap use."""
    parts = [f"image {report.image_path}  board {report.board}  cycle model "
             f"{report.cycle_model} {report.cycle_model_version}\n"
             f"exit {report.exit_reason} (code {cell_text(report.exit_code)})  cycles {report.cycles}"
             f"  instructions {report.instructions}\n",
             "\nAllocation cycles (exclusive of preempting interrupts and other threads; "
             "inclusive_* = wall time; nearest-rank percentiles)\n",
             format_table(ALLOC_COLUMNS, alloc_rows(report)),
             "\nStacks (high-water mark in bytes)\n",
             format_table(("stack", "handler", "base", "top", "limit", "high_water", "chain"),
                          stack_rows(report)),
             "\nInterrupts\n",
             format_table(("irq", "name", "handler", "taken", "max_depth"),
                          [[i.irq, i.name, i.handler, i.taken, i.max_depth] for i in report.interrupts]),
             "\nAllocators (blocks still live at the end are leaks)\n",
             format_table(("allocator", "allocs", "frees", "live", "live_bytes", "peak_live"),
                          [[h.allocator, h.allocs, h.frees, h.live, h.live_bytes, h.peak_live]
                           for h in report.heaps])]
    return "".join(parts + timing_parts(report))


def timing_parts(report: Report) -> list[str]:
    """Handler path length, latency and masked-section tables, and what they leave out."""
    return ["\nInterrupt handlers (cycles per invocation, first instruction to the end of its "
            "return, exclusive of nested interrupts; inclusive_* = wall)\n",
            format_table(HANDLER_COLUMNS, handler_rows(report)),
            "\nInterrupt latency (cycles from pending to the handler's first instruction)\n",
            format_table(LATENCY_COLUMNS, latency_rows(report)),
            "\nInterrupts masked, per function that masks (cycles per section)\n",
            format_table(MASKED_COLUMNS, masked_rows(report)),
            "\nLongest masked sections\n",
            format_table(LONGEST_COLUMNS, longest_rows(report))] + \
        [f"note: {note}\n" for note in notes(report)]


CSV_TABLES = ("allocations", "handlers", "latency", "masked")


def render_csv(report: Report, table: str = "allocations") -> str:
    """One of the report's tables as CSV, a header row then its rows, means with 2 decimals:
    ``allocations`` (one row per (function, context), ``ALLOC_COLUMNS``), ``handlers``,
    ``latency`` or ``masked`` (per function that masks: report/timing.py)."""
    columns, rows = {"allocations": (ALLOC_COLUMNS, alloc_rows),
                     "handlers": (HANDLER_COLUMNS, handler_rows),
                     "latency": (LATENCY_COLUMNS, latency_rows),
                     "masked": (MASKED_COLUMNS, masked_rows)}[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[cell_text(c) for c in row] for row in rows(report)])
    return out.getvalue()
