"""A hand-written SVG histogram of exclusive cycles per allocation function (``--plot``)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import escape

from ..errors import BadInput
from .model import AllocCall

WIDTH, PANEL_HEIGHT, MARGIN, PLOT_HEIGHT = 640, 180, 48, 110


def bins_of(values: list[int], count: int = 20) -> tuple[int, int, list[int]]:
    """(first edge, integer bin width, counts): ``count`` or fewer equal-width bins over values."""
    low, high = min(values), max(values)
    width = max(1, -(-(high - low + 1) // count))
    counts = [0] * (-(-(high - low + 1) // width))
    for value in values:
        counts[(value - low) // width] += 1
    return low, width, counts


def samples_by_function(calls: Iterable[AllocCall]) -> dict[str, list[int]]:
    samples: dict[str, list[int]] = {}
    for call in calls:
        samples.setdefault(call.function, []).append(call.exclusive)
    return dict(sorted(samples.items()))


def panel(function: str, values: list[int], top: int) -> list[str]:
    """SVG elements of one function's histogram, drawn ``top`` pixels down."""
    low, width, counts = bins_of(values)
    plot_width = WIDTH - 2 * MARGIN
    bar = plot_width / len(counts)
    peak, base = max(counts), top + 30 + PLOT_HEIGHT
    out = [f'<text x="{MARGIN}" y="{top + 18}" class="title">{escape(function)} '
           f'(n={len(values)}, {low}-{max(values)} cycles)</text>',
           f'<line x1="{MARGIN}" y1="{base}" x2="{WIDTH - MARGIN}" y2="{base}" class="axis"/>']
    for index, count in enumerate(counts):
        height = PLOT_HEIGHT * count / peak
        out.append(f'<rect x="{MARGIN + index * bar:.1f}" y="{base - height:.1f}" '
                   f'width="{max(bar - 1, 1):.1f}" height="{height:.1f}" class="bar">'
                   f'<title>{low + index * width}-{low + (index + 1) * width - 1} cycles: '
                   f'{count} calls</title></rect>')
    out += [f'<text x="{MARGIN}" y="{base + 14}" class="label">{low}</text>',
            f'<text x="{WIDTH - MARGIN}" y="{base + 14}" class="label" text-anchor="end">'
            f'{low + len(counts) * width - 1}</text>',
            f'<text x="{MARGIN - 4}" y="{base - PLOT_HEIGHT + 4}" class="label" '
            f'text-anchor="end">{peak}</text>']
    return out


def render_histogram_svg(calls: Iterable[AllocCall], title: str = "Exclusive cycles per call") -> str:
    """One histogram panel per function, sorted by name; deterministic text."""
    samples = samples_by_function(calls)
    height = 40 + PANEL_HEIGHT * max(1, len(samples))
    body = [f'<text x="{MARGIN}" y="24" class="heading">{escape(title)}</text>']
    for index, (function, values) in enumerate(samples.items()):
        body += panel(function, values, 40 + index * PANEL_HEIGHT)
    if not samples:
        body.append(f'<text x="{MARGIN}" y="80" class="label">no allocation calls</text>')
    style = ("<style>.heading{font:bold 16px sans-serif}.title{font:bold 13px sans-serif}"
             ".label{font:11px sans-serif;fill:#444}.axis{stroke:#000}.bar{fill:#4a7ab5}</style>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}">\n{style}\n' + "\n".join(body) + "\n</svg>\n")


def write_histogram_svg(path: str | Path, calls: Iterable[AllocCall]) -> None:
    """Write ``render_histogram_svg(calls)`` to ``path``; a path that cannot be written is a
    BadInput naming it."""
    check_writable(path)
    try:
        Path(path).write_text(render_histogram_svg(calls), encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot write the SVG plot: {exc.strerror or exc}") from None


def check_writable(path: str | Path) -> None:
    """BadInput unless ``path`` could be created: not a directory, in an existing directory."""
    target = Path(path)
    if target.is_dir() or not target.absolute().parent.is_dir():
        raise BadInput(f"{path}: cannot write the SVG plot: a directory, or in no such directory")
