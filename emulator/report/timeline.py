"""Logic-analyzer-style SVG of a window of the run (a lane per handler and one for thread code) and the interrupt-stack use over time."""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from .svg import STYLE, nice_step

WIDTH, LEFT, RIGHT, LANE, TOP = 900, 130, 20, 24, 44
TIMELINE_STYLE = ("<style>.lane{fill:#f4f4f4}.run{fill:#4a7ab5}.entry{fill:#9bb7d9}"
                  ".preempted{fill:#c9d6e8}.thread{fill:#6a994e}.masked{fill:#d00000;opacity:.18}"
                  ".pend{fill:#e76f51}.finding{stroke:#d00000;stroke-width:2}"
                  ".lanelabel{font:11px sans-serif}.flabel{font:10px sans-serif;fill:#d00000}"
                  ".use{stroke:#4a7ab5;stroke-width:2}.limit{stroke:#d00000;stroke-dasharray:5 3}</style>")


@dataclass(frozen=True)
class Run:
    """One handler invocation: its lane, entry start, first instruction, end, and parent."""

    handler: str
    start: int
    first: int
    end: int
    depth: int
    parent: int | None                   # index of the invocation it is nested in


def invocations(items: list[tuple], last: int) -> list[Run]:
    """Every handler invocation of a kept timeline (report/model ``Timeline.items``), in entry
    order; one still running at the end ends at ``last``."""
    runs: list[Run | None] = []
    stack: list[list] = []               # [index, handler, start, first, depth, parent]
    for item in items:
        if item[0] == "enter":
            parent = stack[-1][0] if stack else None
            stack.append([len(runs), item[2], item[4], item[1], item[3], parent])
            runs.append(None)
        elif item[0] == "ack" and stack:
            stack[-1][1] = item[2]
        elif item[0] == "exit" and stack:
            index, handler, start, first, depth, parent = stack.pop()
            runs[index] = Run(handler, start, first, item[1], depth, parent)
    for index, handler, start, first, depth, parent in stack:
        runs[index] = Run(handler, start, first, last, depth, parent)
    return [r for r in runs if r is not None]


def masked_spans(items: list[tuple], last: int) -> list[tuple[int, int, str]]:
    """(start, end, location of the masking instruction) of every masked stretch kept."""
    spans, since = [], None
    for item in items:
        if item[0] == "mask":
            if item[2] and since is None:
                since = (item[1], item[3])
            elif not item[2] and since is not None:
                spans.append((since[0], item[1], since[1]))
                since = None
    if since is not None:
        spans.append((since[0], last, since[1]))
    return spans


def lanes_of(runs: list[Run]) -> list[str]:
    """'thread' and the handlers, outermost depth first, then by name."""
    depth: dict[str, int] = {}
    for run in runs:
        depth[run.handler] = min(depth.get(run.handler, run.depth), run.depth)
    return ["thread"] + sorted(depth, key=lambda h: (depth[h], h))


class Window:
    """x scale of the cycles [lo, hi] over the plot width."""

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, max(hi, lo + 1)

    def x(self, cycle: float) -> float:
        clipped = min(max(cycle, self.lo), self.hi)
        return LEFT + (WIDTH - LEFT - RIGHT) * (clipped - self.lo) / (self.hi - self.lo)

    def shows(self, start: int, end: int) -> bool:
        return end >= self.lo and start <= self.hi


def timeline_svg(items: list[tuple], lo: int, hi: int, title: str,
                 marks: list[tuple[int, str]]) -> str:
    """The window [lo, hi] of the run: lanes, runs (entry light, nested time paler), thread
    code, masked stretches shaded across the lanes, pending marks and ``marks`` (cycle, label:
    the findings) as red lines."""
    runs = invocations(items, hi)
    lanes = lanes_of(runs)
    row = {name: i for i, name in enumerate(lanes)}
    w = Window(lo, hi)
    height = TOP + LANE * len(lanes) + 40
    body = [f'<text x="8" y="18" class="title">{escape(title)}</text>']
    body += [f'<rect x="{LEFT}" y="{TOP + LANE * i}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{LANE - 4}" class="lane"/><text x="{LEFT - 6}" y="{TOP + LANE * i + 14}" '
             f'class="lanelabel" text-anchor="end">{escape(name)}</text>' for i, name in enumerate(lanes)]
    body += thread_bars(runs, w)
    body += run_bars(runs, w, row)
    body += [_span(w, s, e, f"masked from {where}: {e - s} cycles", "masked", TOP, LANE * len(lanes))
             for s, e, where in masked_spans(items, hi) if w.shows(s, e)]
    body += pend_marks(items, runs, w, row)
    shown = [(cycle, label) for cycle, label in marks if w.shows(cycle, cycle)]
    for index, (cycle, label) in enumerate(shown):
        x, y = w.x(cycle), TOP - 8 - 9 * (index % 2)
        body += [f'<line x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" y2="{TOP + LANE * len(lanes)}" '
                 f'class="finding"><title>{escape(label)} at cycle {cycle}</title></line>',
                 f'<text x="{x + 3:.1f}" y="{y}" class="flabel">{escape(label)}</text>']
    body += cycle_axis(w, TOP + LANE * len(lanes) + 4)
    return _svg(body, height, title)


def _span(w: Window, start: int, end: int, title: str, cls: str, y: float, height: float) -> str:
    x0, x1 = w.x(start), w.x(end)
    return (f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{height:.1f}" '
            f'class="{cls}"><title>{escape(title)}</title></rect>')


def run_bars(runs: list[Run], w: Window, row: dict[str, int]) -> list[str]:
    """Each invocation in its lane: its entry, its own time, and paler while nested ones ran."""
    out = []
    for run in runs:
        if not w.shows(run.start, run.end):
            continue
        y = TOP + LANE * row[run.handler] + 2
        out.append(_span(w, run.start, run.first, f"{run.handler} entry", "entry", y, LANE - 8))
        out.append(_span(w, run.first, run.end, f"{run.handler}: {run.first}-{run.end} "
                         f"({run.end - run.first} cycles)", "run", y, LANE - 8))
    for run in runs:
        if run.parent is not None and w.shows(run.start, run.end):
            parent = runs[run.parent] if run.parent < len(runs) else None
            if parent is not None:
                y = TOP + LANE * row[parent.handler] + 2
                out.append(_span(w, run.start, run.end, f"{parent.handler} preempted by "
                                 f"{run.handler}", "preempted", y, LANE - 8))
    return out


def thread_bars(runs: list[Run], w: Window) -> list[str]:
    """Thread code runs whenever no outermost handler does."""
    out, at = [], w.lo
    for run in sorted((r for r in runs if r.depth == 1), key=lambda r: r.start):
        if run.start > at:
            out.append(_span(w, at, run.start, f"thread {at}-{run.start}", "thread", TOP + 2, LANE - 8))
        at = max(at, run.end)
    if at < w.hi:
        out.append(_span(w, at, w.hi, f"thread {at}-{w.hi}", "thread", TOP + 2, LANE - 8))
    return out


def pend_marks(items: list[tuple], runs: list[Run], w: Window, row: dict[str, int]) -> list[str]:
    """A triangle where an interrupt became pending, in the lane of the handler it entered."""
    handler_of = {item[5]: item[2] for item in items if item[0] == "enter"}
    handler_of.update({item[4]: item[2] for item in items if item[0] == "ack"})
    out = []
    for item in items:
        if item[0] == "pend" and item[2] in handler_of and w.shows(item[1], item[1]):
            x, y = w.x(item[1]), TOP + LANE * row.get(handler_of[item[2]], 0) + LANE - 4
            out.append(f'<path d="M{x:.1f} {y - 8:.1f} l-4 8 h8 z" class="pend"><title>'
                       f'{escape(item[3])} pending at cycle {item[1]}</title></path>')
    return out


def cycle_axis(w: Window, y: float) -> list[str]:
    step = nice_step(w.hi - w.lo, 8)
    out = [f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" class="axis"/>',
           f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{y + 30}" class="label" '
           f'text-anchor="middle">cycles</text>']
    for tick in range(-(-w.lo // step) * step, w.hi + 1, step):
        x = w.x(tick)
        out += [f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" class="axis"/>',
                f'<text x="{x:.1f}" y="{y + 15}" class="label" text-anchor="middle">{tick}</text>']
    return out


def stack_svg(items: list[tuple], cycles: int, limit: int, name: str) -> str:
    """Interrupt-stack bytes used by each interrupt episode (its high-water mark at each
    handler exit) over the run, against ``limit``."""
    points = [(item[1], item[2]) for item in items if item[0] == "stack"]
    peak = max([limit] + [used for _, used in points]) or 1
    w, base, height = Window(0, max(cycles, 1)), 200, 250
    y = lambda used: base - 160 * used / peak          # noqa: E731
    body = [f'<text x="8" y="18" class="title">{escape(name)} stack use over time (bytes, limit '
            f'{limit})</text>',
            f'<line x1="{LEFT}" y1="{y(limit):.1f}" x2="{WIDTH - RIGHT}" y2="{y(limit):.1f}" '
            f'class="limit"><title>limit {limit} bytes</title></line>',
            f'<text x="{WIDTH - RIGHT}" y="{y(limit) - 4:.1f}" class="flabel" text-anchor="end">'
            f'limit {limit}</text>',
            f'<line x1="{LEFT}" y1="{base}" x2="{LEFT}" y2="{base - 160}" class="axis"/>',
            f'<text x="{LEFT - 40}" y="{base - 80}" class="label" text-anchor="middle" '
            f'transform="rotate(-90 {LEFT - 40} {base - 80})">bytes</text>']
    for tick in range(0, peak + 1, nice_step(peak, 4)):
        body.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" class="label" '
                    f'text-anchor="end">{tick}</text>')
    body += [f'<line x1="{w.x(c):.1f}" y1="{base}" x2="{w.x(c):.1f}" y2="{y(used):.1f}" '
             f'class="use"><title>cycle {c}: {used} bytes</title></line>' for c, used in points]
    if not points:
        body.append(f'<text x="{LEFT + 10}" y="{base - 80}" class="label">no interrupt used the '
                    f'watched stack</text>')
    body += cycle_axis(w, base)
    return _svg(body, height, f"{name} stack use")


def _svg(body: list[str], height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{escape(label)}">'
            f'{STYLE}{TIMELINE_STYLE}' + "".join(body) + "</svg>")
