"""The interrupt timing tables of a report (handler path length, latency, masked sections) as rows and JSON."""
from __future__ import annotations

from .model import HandlerStats, LatencyStats, MaskedSection, MaskedStats, Report

HANDLER_COLUMNS = ("handler", "irq", "name", "calls", "min", "p50", "p99", "max", "max_cycle",
                   "max_at", "inclusive_p50", "inclusive_p99", "inclusive_max", "open")
LATENCY_COLUMNS = ("irq", "name", "handler", "count", "min", "p50", "p99", "max", "max_cycle",
                   "cause", "unmeasured")
MASKED_COLUMNS = ("function", "sections", "total", "mean", "max", "max_at", "max_end", "max_cycle")
LONGEST_COLUMNS = ("cycle", "cycles", "start", "end", "register", "context")
MASK_NOTE = ("interrupt masking by code outside the image's function symbols, and on Book E "
             "raising the INTC current priority (CPR) outside handlers, is not watched")


def handler_rows(report: Report) -> list[list[object]]:
    return [[h.handler, h.irq, h.name, h.calls, h.min, h.p50, h.p99, h.max, h.max_cycle,
             h.max_at or "-", h.inclusive_p50, h.inclusive_p99, h.inclusive_max, h.open]
            for h in report.handlers]


def latency_rows(report: Report) -> list[list[object]]:
    return [[s.irq, s.name, s.handler, s.count, s.min, s.p50, s.p99, s.max, s.max_cycle,
             s.cause or "-", s.unmeasured] for s in report.latencies]


def masked_rows(report: Report) -> list[list[object]]:
    return [[m.function, m.sections, m.total, m.mean, m.max, m.max_at, m.max_end, m.max_cycle]
            for m in report.masked]


def longest_rows(report: Report) -> list[list[object]]:
    return [[s.cycle, s.cycles, s.start, s.end, s.register, s.context] for s in report.masked_longest]


def notes(report: Report) -> list[str]:
    """What the timing figures leave out, for every renderer (never silent)."""
    found = [MASK_NOTE]
    unmeasured = [s for s in report.latencies if s.unmeasured]
    if unmeasured:
        names = ", ".join(f"{s.name} ({s.unmeasured})" for s in unmeasured)
        found.append(f"latency not measured for takings with no pending record: {names}")
    found += list(report.timing_notes)
    return found


def handler_doc(h: HandlerStats) -> dict:
    return {"handler": h.handler, "irq": h.irq, "name": h.name, "calls": h.calls, "min": h.min,
            "p50": h.p50, "p99": h.p99, "max": h.max, "max_at": {"cycle": h.max_cycle,
                                                                   "interrupted": h.max_at},
            "inclusive": {"p50": h.inclusive_p50, "p99": h.inclusive_p99, "max": h.inclusive_max},
            "open": h.open}


def latency_doc(s: LatencyStats) -> dict:
    return {"irq": s.irq, "name": s.name, "handler": s.handler, "count": s.count, "min": s.min,
            "p50": s.p50, "p99": s.p99, "max": s.max,
            "worst": {"cycle": s.max_cycle, "cause": s.cause}, "unmeasured": s.unmeasured}


def masked_doc(m: MaskedStats) -> dict:
    return {"function": m.function, "sections": m.sections, "total": m.total,
            "mean": round(m.mean, 2), "max": m.max,
            "longest": {"start": m.max_at, "end": m.max_end, "cycle": m.max_cycle}}


def section_doc(s: MaskedSection) -> dict:
    return {"cycle": s.cycle, "cycles": s.cycles, "start": s.start, "end": s.end,
            "register": s.register, "function": s.function, "context": s.context}


def timing_doc(report: Report) -> dict:
    """The ``timing`` object of the JSON report (jsondoc.py documents it)."""
    return {"handlers": [handler_doc(h) for h in report.handlers],
            "latency": [latency_doc(s) for s in report.latencies],
            "masked": {"functions": [masked_doc(m) for m in report.masked],
                       "longest": [section_doc(s) for s in report.masked_longest]},
            "notes": notes(report)}
