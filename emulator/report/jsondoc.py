"""The stable JSON report document: sorted keys, fixed float formatting, byte-identical output.

Schema (version 1; integers are plain JSON numbers, addresses included)::

    {"schema": "fwsandbox-report/1",
     "image": {"path", "sha256"}, "board", "cycle_model": {"name", "version"},
     "exit": {"reason", "code"}, "cycles", "instructions",
     "summary": {kind: number of findings},
     "findings": [{"kind", "message", "pc", "location", "function", "cycle", "count",
                   "source": {"file", "line"} | null,
                   "context": {"handler", "irq", "depth", "chain", "masked"},
                   "backtrace": [...], "details": {...}, "registers": {name: value}}],
     "allocations": [{"function", "context", "calls", "min", "p50", "mean", "p99", "max",
                      "total", "max_at": {"call_site", "cycle"},
                      "inclusive": {"p50", "p99", "max", "total"}}],
     "stacks": [{"name", "base", "top", "limit", "high_water", "lowest", "worst_chain",
                 "per_handler": {handler: bytes}}],
     "interrupts": [{"irq", "name", "handler", "taken", "max_depth"}],
     "heaps": [{"allocator", "allocs", "frees", "live", "live_bytes", "peak_live", "leaked"}],
     "timing": {"handlers": [{"handler", "irq", "name", "calls", "min", "p50", "p99", "max",
                              "max_at": {"cycle", "interrupted"},
                              "inclusive": {"p50", "p99", "max"}, "open"}],
                "latency": [{"irq", "name", "handler", "count", "min", "p50", "p99", "max",
                             "worst": {"cycle", "cause"}, "unmeasured"}],
                "masked": {"functions": [{"function", "sections", "total", "mean", "max",
                                          "longest": {"start", "end", "cycle"}}],
                           "longest": [{"cycle", "cycles", "start", "end", "register",
                                        "function", "context"}]},
                "notes": [...]},
     "unreturned": [{"function", "reason", "calls"}],     # only when some call never returned
     "not_modelled": [...],      # only when the firmware used what the core cannot model
     "watch": {"profiles": [{"name", "reason"}], "rules_file", "functions": [...],
               "isr_stack": {"name", "watched", "base", "top", "source"}}}

``watch`` says what the run watched (emulator/probes/watch.py): the rule profiles enabled and why (the
symbol that matched), the user's rules file or null, every function hooked, and the interrupt
stack with where its bounds came from; when it is not watched, ``watched`` is false, ``base``
and ``top`` are null and ``source`` says why.

``registers`` is empty except for faults: the core's registers when it faulted (Cortex-M:
r0-r12, sp, lr, pc, xpsr, msp, psp, control, the masks, cfsr, hfsr, and s0-s31/fpscr with the
FPU enabled; Book E: r0-r31, pc, msr, lr, ctr, cr).
``source`` is the DWARF ``file:line`` of ``pc`` (for alloc-in-isr: the calling instruction), null
when the image has no line table or no row covers ``pc``; ``file`` is named as the compiler
recorded it, without the compilation directory (emulator/load/dwarf.py).
An allocation's ``context`` is ``thread``, a handler name, or, when the run switched between
more than one thread stack, ``thread@<stack>`` (the symbol of the object holding the thread's
stack, else the thread's first stack pointer in hex).  ``min``..``total`` are exclusive cycles
(without preempting interrupts and the time other threads ran); ``inclusive`` are the wall
cycles from entry to return, everything included.
``timing`` (issue 19): per handler, cycles per invocation from its first instruction to the end
of its exception return, exclusive of nested interrupts (``inclusive``: wall), ``max_at`` the
slowest invocation's entry cycle and the code it interrupted, ``open`` invocations unfinished at
the end; per interrupt, latency from becoming pending (InterruptPended) to the handler's first
instruction, ``worst.cause`` what held the worst one (``masked by PRIMASK at fn+off (N cycles)``,
``behind HANDLER (N cycles)``, ``tail-chained after HANDLER``, ``exception entry only``),
``unmeasured`` takings without a pending record; masked sections per function of the masking
instruction and the longest overall; ``notes`` what these figures do not watch.
``mean`` is rounded to 2 decimals; findings are in cycle order, the other lists sorted by key.
"""
from __future__ import annotations

import json

from .model import AllocStats, Finding, HeapStats, InterruptStats, Report, StackStats
from .timing import timing_doc

SCHEMA = "fwsandbox-report/1"


def finding_doc(finding: Finding) -> dict:
    ctx = finding.context
    return {"kind": finding.kind, "message": finding.message, "pc": finding.pc,
            "location": finding.location, "function": finding.function, "cycle": finding.cycle,
            "count": finding.count, "backtrace": list(finding.backtrace),
            "context": {"handler": ctx.handler, "irq": ctx.irq, "depth": ctx.depth,
                        "chain": list(ctx.chain), "masked": ctx.masked},
            "details": dict(finding.details), "source": source_doc(finding.source),
            "registers": dict(finding.registers)}


def source_doc(source: tuple[str, int] | None) -> dict | None:
    return None if source is None else {"file": source[0], "line": source[1]}


def allocation_doc(stats: AllocStats) -> dict:
    return {"function": stats.function, "context": stats.context, "calls": stats.calls,
            "min": stats.min, "p50": stats.p50, "mean": round(stats.mean, 2), "p99": stats.p99,
            "max": stats.max, "total": stats.total,
            "max_at": {"call_site": stats.max_at, "cycle": stats.max_cycle},
            "inclusive": {"p50": stats.inclusive_p50, "p99": stats.inclusive_p99,
                          "max": stats.inclusive_max, "total": stats.inclusive_total}}


def stack_doc(stats: StackStats) -> dict:
    return {"name": stats.name, "base": stats.base, "top": stats.top, "limit": stats.limit,
            "high_water": stats.high_water, "lowest": stats.lowest,
            "worst_chain": list(stats.worst_chain), "per_handler": dict(stats.per_handler)}


def interrupt_doc(stats: InterruptStats) -> dict:
    return {"irq": stats.irq, "name": stats.name, "handler": stats.handler, "taken": stats.taken,
            "max_depth": stats.max_depth}


def heap_doc(stats: HeapStats) -> dict:
    return {"allocator": stats.allocator, "allocs": stats.allocs, "frees": stats.frees,
            "live": stats.live, "live_bytes": stats.live_bytes, "peak_live": stats.peak_live,
            "leaked": list(stats.leaked)}


def unreturned_doc(item) -> dict:
    return {"function": item.function, "reason": item.reason, "calls": item.calls}


def summary(findings: tuple[Finding, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return counts


def report_doc(report: Report) -> dict:
    """The report as plain JSON-ready data."""
    return {"schema": SCHEMA,
            "image": {"path": report.image_path, "sha256": report.image_sha256},
            "board": report.board,
            "cycle_model": {"name": report.cycle_model, "version": report.cycle_model_version},
            "exit": {"reason": report.exit_reason, "code": report.exit_code},
            "cycles": report.cycles, "instructions": report.instructions,
            "summary": summary(report.findings),
            "findings": [finding_doc(f) for f in report.findings],
            "allocations": [allocation_doc(s) for s in report.allocations],
            "stacks": [stack_doc(s) for s in report.stacks],
            "interrupts": [interrupt_doc(s) for s in report.interrupts],
            "heaps": [heap_doc(s) for s in report.heaps],
            "timing": timing_doc(report),
            **({"unreturned": [unreturned_doc(u) for u in report.unreturned]}
               if report.unreturned else {}),
            **({"not_modelled": list(report.not_modelled)} if report.not_modelled else {}),
            **({"watch": watch_doc(report.watch)} if report.watch is not None else {})}


def watch_doc(watch) -> dict:
    """``watch`` of a ``WatchSummary``."""
    return {"profiles": [{"name": name, "reason": why} for name, why in watch.profiles],
            "rules_file": watch.rules_file, "functions": list(watch.functions),
            "isr_stack": {"name": watch.stack_name, "watched": watch.stack_base is not None,
                          "base": watch.stack_base, "top": watch.stack_top,
                          "source": watch.stack_source}}


def render_json(report: Report) -> str:
    """The JSON document, newline-terminated; identical reports give identical bytes."""
    return json.dumps(report_doc(report), sort_keys=True, indent=2, ensure_ascii=True,
                      allow_nan=False) + "\n"
