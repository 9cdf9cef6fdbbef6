"""Hand-written SVG histograms: labelled axes, p50/p99/max marks, budget lines (``--plot`` and the HTML report)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

from ..errors import BadInput
from .model import AllocCall


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (xml.sax.saxutils.escape, which would import
    urllib.request and http.client into every run)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


WIDTH, PANEL_HEIGHT, MARGIN, PLOT_HEIGHT = 640, 215, 56, 110
PLOT_TOP = 48                       # from a panel's top to its plot area (title, mark labels)
MIN_SPAN_BINS = 10                  # the x axis spans at least this many bins
STYLE = ("<style>.heading{font:bold 16px sans-serif}.title{font:bold 13px sans-serif}"
         ".label{font:11px sans-serif;fill:#444}.axis{stroke:#000}.bar{fill:#4a7ab5}"
         ".count{font:10px sans-serif;fill:#222}.mark{stroke-width:1.5;stroke-dasharray:4 3}"
         ".p50{stroke:#2a9d8f}.p99{stroke:#e76f51}.max{stroke:#264653}"
         ".budget{stroke:#d00000;stroke-width:2}.marklabel{font:10px sans-serif}</style>")
MARK_CLASSES = {"p50": "p50", "p99": "p99", "max": "max"}


def bins_of(values: list[int], count: int = 20) -> tuple[int, int, list[int]]:
    """(first edge, integer bin width, counts): ``count`` or fewer equal-width bins over values."""
    low, high = min(values), max(values)
    width = max(1, -(-(high - low + 1) // count))
    counts = [0] * (-(-(high - low + 1) // width))
    for value in values:
        counts[(value - low) // width] += 1
    return low, width, counts


def nearest_rank(sorted_values: list[int], percent: float) -> int:
    """The nearest-rank percentile, as the report's tables compute it."""
    return sorted_values[max(1, math.ceil(percent / 100 * len(sorted_values))) - 1]


def nice_step(span: float, ticks: int = 5) -> int:
    """An integer tick step of 1, 2 or 5 times a power of ten giving about ``ticks`` ticks."""
    raw = max(span / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


class Scale:
    """x: cycles [x0, x1) onto the plot width; y: counts [0, peak] onto the plot height."""

    def __init__(self, x0: int, x1: int, peak: int, left: float, top: float):
        self.x0, self.x1, self.peak, self.left, self.base = x0, x1, peak, left, top + PLOT_HEIGHT
        self.width = WIDTH - 2 * MARGIN

    def x(self, value: float) -> float:
        return self.left + self.width * (value - self.x0) / (self.x1 - self.x0)

    def y(self, count: float) -> float:
        return self.base - PLOT_HEIGHT * count / self.peak


def x_domain(low: int, width: int, bins: int, budget: int | None) -> tuple[int, int]:
    """The x range: the bins, widened to ``MIN_SPAN_BINS`` bins around them (so a constant
    sample is one narrow labelled bar, not a filled panel) and to the budget."""
    x0, x1 = low, low + bins * width
    if bins < MIN_SPAN_BINS:
        x0 = max(0, low - (MIN_SPAN_BINS - bins) // 2 * width)
        x1 = x0 + MIN_SPAN_BINS * width
    if budget is not None and budget >= x1:
        x1 = budget + width
    return x0, x1


def histogram(title: str, values: list[int], top: float, budget: int | None = None,
              unit: str = "cycles", what: str = "calls") -> list[str]:
    """SVG elements of one histogram drawn ``top`` pixels down: title, bars with their counts,
    labelled axes, p50/p99/max marks and the budget line."""
    ordered = sorted(values)
    low, width, counts = bins_of(ordered)
    x0, x1 = x_domain(low, width, len(counts), budget)
    scale = Scale(x0, x1, max(counts), MARGIN, top + PLOT_TOP)
    out = [f'<text x="{MARGIN}" y="{top + 16}" class="title">{escape(title)} (n={len(values)}, '
           f'{ordered[0]}-{ordered[-1]} {unit})</text>']
    out += bars(scale, low, width, counts, unit, what)
    out += axes(scale, unit, what)
    marks = {"p50": nearest_rank(ordered, 50), "p99": nearest_rank(ordered, 99), "max": ordered[-1]}
    out += mark_lines(scale, marks, budget, top)
    return out


def bars(scale: Scale, low: int, width: int, counts: list[int], unit: str, what: str) -> list[str]:
    out, labelled = [], sum(1 for c in counts if c) <= 12
    for index, count in enumerate(counts):
        if not count:
            continue
        left, right = scale.x(low + index * width), scale.x(low + (index + 1) * width)
        y = scale.y(count)
        span = f"{low + index * width}" + (f"-{low + (index + 1) * width - 1}" if width > 1 else "")
        out.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(right - left - 1, 1):.1f}" '
                   f'height="{scale.base - y:.1f}" class="bar"><title>{span} {unit}: {count} '
                   f'{what}</title></rect>')
        if labelled:
            out.append(f'<text x="{(left + right) / 2:.1f}" y="{y - 3:.1f}" class="count" '
                       f'text-anchor="middle">{count}</text>')
    return out


def axes(scale: Scale, unit: str, what: str) -> list[str]:
    """Both axes with ticks and their labels (x: ``unit``, y: ``what``)."""
    left, base, right = scale.left, scale.base, scale.left + scale.width
    out = [f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" class="axis"/>',
           f'<line x1="{left}" y1="{base}" x2="{left}" y2="{base - PLOT_HEIGHT}" class="axis"/>',
           f'<text x="{(left + right) / 2}" y="{base + 28}" class="label" text-anchor="middle">'
           f'{escape(unit)}</text>',
           f'<text x="{left - 34}" y="{base - PLOT_HEIGHT / 2}" class="label" text-anchor="middle" '
           f'transform="rotate(-90 {left - 34} {base - PLOT_HEIGHT / 2})">{escape(what)}</text>']
    step = nice_step(scale.x1 - scale.x0)
    for tick in range(-(-scale.x0 // step) * step, scale.x1 + 1, step):
        x = scale.x(tick)
        out += [f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" class="axis"/>',
                f'<text x="{x:.1f}" y="{base + 15}" class="label" text-anchor="middle">{tick}</text>']
    for tick in range(0, scale.peak + 1, nice_step(scale.peak, 3)):
        y = scale.y(tick)
        out += [f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" class="axis"/>',
                f'<text x="{left - 6}" y="{y + 4:.1f}" class="label" text-anchor="end">{tick}</text>']
    return out


def mark_lines(scale: Scale, marks: dict[str, int], budget: int | None, top: float) -> list[str]:
    """p50/p99/max (marks at one value share a line and a label) and the budget line."""
    by_value: dict[int, list[str]] = {}
    for name, value in marks.items():
        by_value.setdefault(value, []).append(name)
    out = []
    middle = scale.left + scale.width / 2
    for row, (value, names) in enumerate(sorted(by_value.items())):
        x = scale.x(value + 0.5)
        label = "=".join(names) + f" {value}"
        side = 'x="{:.1f}" text-anchor="end"'.format(x - 3) if x > middle else f'x="{x + 3:.1f}"'
        out += [f'<line x1="{x:.1f}" y1="{scale.base}" x2="{x:.1f}" y2="{top + 24 + 8 * row}" '
                f'class="mark {MARK_CLASSES[names[-1]]}"><title>{label}</title></line>',
                f'<text {side} y="{top + 30 + 8 * row}" class="marklabel">{label}</text>']
    if budget is not None:
        x = scale.x(budget + 0.5)
        side = 'x="{:.1f}" text-anchor="end"'.format(x - 3) if x > middle else f'x="{x + 3:.1f}"'
        out += [f'<line x1="{x:.1f}" y1="{scale.base}" x2="{x:.1f}" y2="{top + 20}" class="budget">'
                f'<title>budget {budget}</title></line>',
                f'<text {side} y="{top + 22}" class="marklabel" fill="#d00000">budget {budget}</text>']
    return out


def standalone(body: list[str], height: float, label: str) -> str:
    """An ``<svg>`` element holding ``body`` (for the HTML report: one per picture)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{escape(label)}">'
            f'{STYLE}' + "".join(body) + "</svg>")


def samples_by_function(calls: Iterable[AllocCall]) -> dict[tuple[str, str], list[int]]:
    """Exclusive cycles per (function, context), sorted by key: ISR and thread calls apart."""
    samples: dict[tuple[str, str], list[int]] = {}
    for call in calls:
        samples.setdefault((call.function, call.context), []).append(call.exclusive)
    return dict(sorted(samples.items()))


def render_histogram_svg(calls: Iterable[AllocCall], title: str = "Exclusive cycles per call",
                         budgets: dict[str, int] | None = None) -> str:
    """One histogram panel per (function, context), sorted; ``budgets``: function -> max cycles
    (drawn as a line).  Deterministic text."""
    samples = samples_by_function(calls)
    height = 40 + PANEL_HEIGHT * max(1, len(samples))
    body = [f'<text x="{MARGIN}" y="24" class="heading">{escape(title)}</text>']
    for index, ((function, context), values) in enumerate(samples.items()):
        body += histogram(f"{function} in {context}", values, 40 + index * PANEL_HEIGHT,
                          (budgets or {}).get(function))
    if not samples:
        body.append(f'<text x="{MARGIN}" y="80" class="label">no allocation calls</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}">\n{STYLE}\n' + "\n".join(body) + "\n</svg>\n")


def write_histogram_svg(path: str | Path, calls: Iterable[AllocCall],
                        budgets: dict[str, int] | None = None) -> None:
    """Write ``render_histogram_svg(calls)`` to ``path``; a path that cannot be written is a
    BadInput naming it."""
    write_text(path, render_histogram_svg(calls, budgets=budgets), "the SVG plot")


def write_text(path: str | Path, text: str, what: str) -> None:
    check_writable(path, what)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot write {what}: {exc.strerror or exc}") from None


def check_writable(path: str | Path, what: str = "the SVG plot") -> None:
    """BadInput unless ``path`` could be created: not a directory, in an existing directory."""
    target = Path(path)
    if target.is_dir() or not target.absolute().parent.is_dir():
        raise BadInput(f"{path}: cannot write {what}: a directory, or in no such directory")
