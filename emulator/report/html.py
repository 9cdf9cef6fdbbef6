"""The self-contained HTML report (``report --html``): summary, findings, tables and inline-SVG pictures; no script, no network."""
from __future__ import annotations

from html import escape
from pathlib import Path

from .model import Report
from .svg import PANEL_HEIGHT, histogram, samples_by_function, standalone, write_text
from .table import ALLOC_COLUMNS, alloc_rows, cell_text, stack_rows
from .timeline import stack_svg, timeline_svg
from .timing import (HANDLER_COLUMNS, LATENCY_COLUMNS, LONGEST_COLUMNS, MASKED_COLUMNS,
                     handler_rows, latency_rows, longest_rows, masked_rows, notes)

MAX_FINDING_WINDOWS = 6                 # timelines drawn around findings at most
MIN_WINDOW = 400                        # cycles a timeline window spans at least
CSS = ("body{font:14px sans-serif;margin:24px;color:#222;max-width:1100px}"
       "h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}"
       "table{border-collapse:collapse;margin:8px 0;font-size:12px}"
       "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left}td.n{text-align:right}"
       "th{background:#eee}.finding{border-left:4px solid #d00000;padding:4px 10px;margin:8px 0;"
       "background:#fff5f5}.kind{font-weight:bold;color:#d00000}.ok{color:#2a7d2a;font-weight:bold}"
       ".note{color:#555;font-style:italic}figure{margin:10px 0}code{font-size:12px}"
       ".grid{display:flex;flex-wrap:wrap;gap:4px 16px}.grid figure svg{width:520px;height:auto}"
       "figcaption{font-size:12px;color:#555}")


def render_html(report: Report) -> str:
    """The page; identical reports give identical bytes."""
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>fwsandbox report: {escape(report.image_path)}</title><style>{CSS}</style>"
             f"</head><body>", summary_html(report), findings_html(report), tables_html(report),
             pictures_html(report), "</body></html>\n"]
    return "\n".join(parts)


def write_html(path: str | Path, report: Report) -> None:
    """Write ``render_html(report)``; a path that cannot be written is a BadInput naming it."""
    write_text(path, render_html(report), "the HTML report")


def summary_html(r: Report) -> str:
    count = len(r.findings)
    verdict = (f'<span class="kind">{count} finding{"s" if count != 1 else ""}</span>' if count
               else '<span class="ok">no findings</span>')
    rows = [("image", r.image_path), ("sha256", r.image_sha256), ("board", r.board),
            ("cycle model", f"{r.cycle_model} {r.cycle_model_version}"),
            ("exit", f"{r.exit_reason} (code {cell_text(r.exit_code)})"),
            ("cycles", f"{r.cycles:,}"), ("instructions", f"{r.instructions:,}")]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return (f'<h1 id="summary">fwsandbox report: {escape(r.image_path)}</h1><p>{verdict}</p>'
            f"<table>{cells}</table>")


def findings_html(r: Report) -> str:
    if not r.findings:
        return '<h2 id="findings">Findings</h2><p class="ok">none</p>'
    blocks = []
    for f in r.findings:
        where = f.location or "-"
        if f.source is not None:
            where += f" at {f.source[0]}:{f.source[1]}"
        times = f", {f.count} times" if f.count > 1 else ""
        blocks.append(f'<div class="finding"><span class="kind">[{escape(f.kind)}]</span> '
                      f"{escape(f.message)}<br><code>at {escape(where)}, cycle {f.cycle}{times}, "
                      f"in {escape(' > '.join(f.context.chain) or 'thread')}</code></div>")
    return '<h2 id="findings">Findings</h2>' + "".join(blocks)


def table_html(columns, rows) -> str:
    if not rows:
        return '<p class="note">none</p>'
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{escape(cell_text(c))}</td>' if isinstance(c, (int, float))
        else f"<td>{escape(cell_text(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def tables_html(r: Report) -> str:
    sections = [("allocations", "Allocation cycles (exclusive; inclusive_* = wall)", ALLOC_COLUMNS, alloc_rows(r)),
                ("handlers", "Interrupt handlers (cycles per invocation, exclusive of nesting)",
                 HANDLER_COLUMNS, handler_rows(r)),
                ("latency", "Interrupt latency (pending to the handler's first instruction)",
                 LATENCY_COLUMNS, latency_rows(r)),
                ("masked", "Interrupts masked, per function that masks", MASKED_COLUMNS, masked_rows(r)),
                ("longest", "Longest masked sections", LONGEST_COLUMNS, longest_rows(r)),
                ("stacks", "Stacks (high-water mark in bytes)",
                 ("stack", "handler", "base", "top", "limit", "high_water", "chain"), stack_rows(r))]
    out = [f'<h2 id="{key}">{escape(title)}</h2>' + table_html(cols, rows)
           for key, title, cols, rows in sections]
    out.append("".join(f'<p class="note">note: {escape(n)}</p>' for n in notes(r)))
    return "\n".join(out)


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def histograms(title: str, samples: dict[str, list[int]], budgets: dict[str, int],
               unit: str, what: str) -> list[str]:
    """One standalone histogram per name of ``samples``."""
    return [figure(standalone(histogram(name, values, 0, budgets.get(name), unit, what),
                              PANEL_HEIGHT, f"{title}: {name}"), f"{title}: {name}")
            for name, values in samples.items() if values]


def pictures_html(r: Report) -> str:
    budgets = {table: {} for table in ("alloc", "isr", "latency", "masked")}
    for table, name, limit in r.budget_lines:
        budgets[table][name] = limit
    alloc = {f"{fn} in {ctx}": v for (fn, ctx), v in samples_by_function(r.calls).items()}
    alloc_budgets = {f"{fn} in {ctx}": budgets["alloc"][fn] for fn, ctx in
                     samples_by_function(r.calls) if fn in budgets["alloc"]}
    groups = [("Handler path length", {h.handler: list(h.samples) for h in r.handlers},
               budgets["isr"], "invocations"),
              ("Interrupt latency", {s.handler: list(s.samples) for s in r.latencies},
               budgets["latency"], "takings"),
              ("Masked section length", {m.function: list(m.samples) for m in r.masked},
               budgets["masked"], "sections"),
              ("Allocation cycles", alloc, alloc_budgets, "calls")]
    out = []
    for title, samples, limits, what in groups:
        found = histograms(title, samples, limits, "cycles", what)
        out.append(f'<h2 id="{title.split()[0].lower()}-histograms">{escape(title)}</h2>'
                   + (f'<div class="grid">{"".join(found)}</div>' if found
                      else '<p class="note">none</p>'))
    out += timelines_html(r) + stacks_html(r)
    return "\n".join(out)


def windows(r: Report) -> list[tuple[str, int, int]]:
    """(title, lo, hi): around the worst latency, then each finding with a cycle."""
    found = []
    worst = max((s for s in r.latencies if s.count), key=lambda s: (s.max, -s.max_cycle), default=None)
    if worst is not None:
        pend = worst.max_cycle - worst.max
        found.append((f"Worst latency: {worst.name} ({worst.handler}) {worst.max} cycles, "
                      f"{worst.cause}", *span(pend, worst.max_cycle)))
    for f in [f for f in r.findings if f.cycle]:
        if len(found) > MAX_FINDING_WINDOWS:
            break
        if not any(lo + (hi - lo) // 4 <= f.cycle <= hi - (hi - lo) // 4 for _, lo, hi in found):
            found.append((f"Finding [{f.kind}] at cycle {f.cycle}", *span(f.cycle, f.cycle)))
    return found


def span(start: int, end: int) -> tuple[int, int]:
    width = max(MIN_WINDOW, 4 * (end - start))
    middle = (start + end) // 2
    lo = max(0, middle - width // 2)
    return lo, lo + width


def timelines_html(r: Report) -> list[str]:
    out = ['<h2 id="timeline">Timeline</h2>']
    timeline = r.timeline
    if timeline is None or not timeline.items:
        return out + ['<p class="note">no interrupt activity was kept for the timeline</p>']
    marks = [(f.cycle, f.kind) for f in r.findings if f.cycle]
    for title, lo, hi in windows(r) or [("Start of the run", *span(0, 0))]:
        out.append(figure(timeline_svg(timeline.items, lo, hi, title, marks),
                          f"{title} (cycles {lo}-{hi})"))
    return out


def stacks_html(r: Report) -> list[str]:
    out = ['<h2 id="stack">Interrupt stack</h2>']
    if not r.stacks or r.timeline is None:
        return out + ['<p class="note">no interrupt stack was watched</p>']
    return out + [figure(stack_svg(r.timeline.items, r.cycles, s.limit, s.name),
                         f"{s.name}: high water {s.high_water} of {s.limit} bytes")
                  for s in r.stacks]
