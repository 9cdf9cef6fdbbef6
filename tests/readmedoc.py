"""README.md as data: fenced blocks, `$ ` transcripts, elided-output matching and rewriting.

A transcript is a fenced block whose first line starts with ``$ ``: every ``$ `` line is a
command, the lines up to the next one are its pasted output. A line that is exactly ``...``
(indentation aside) stands for any run of output lines, none included; every other line must
equal a real line exactly. ``<!-- readme-test: not run: REASON -->`` on the line before a fence
marks a block that is not run, with its reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ELLIPSIS = "..."
CHANGE = 1 << 24        # alignment cost of a changed, new or removed line; an elided line costs 1
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
NOT_RUN = re.compile(r"^\s*<!--\s*readme-test:\s*not run:\s*(\S.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its content lines (dedented) and where they sit in the file."""
    start: int                  # index of the first content line
    end: int                    # index of the closing fence
    indent: str
    info: str
    lines: tuple[str, ...]
    not_run: str | None         # the marker's reason, or None
    section: str                # the ``## `` heading it is under

    @property
    def line(self) -> int:
        """1-based line number of the opening fence."""
        return self.start


@dataclass(frozen=True)
class Step:
    """One command of a transcript and the output pasted under it."""
    command: str
    expected: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order."""
    lines, found, i = text.split("\n"), [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        end = _closing(lines, i + 1, opening.group(1))
        found.append(_block(lines, i, end, opening))
        i = end + 1
    return found


def _closing(lines: list[str], i: int, indent: str) -> int:
    while i < len(lines) and lines[i] != indent + "```":
        i += 1
    if i == len(lines):
        raise ValueError(f"README line {i}: unclosed fence")
    return i


def _block(lines: list[str], fence: int, end: int, opening: re.Match) -> Block:
    indent = opening.group(1)
    body = tuple(line[len(indent):] if line.startswith(indent) else line.lstrip()
                 for line in lines[fence + 1:end])
    return Block(fence + 1, end, indent, opening.group(2), body, _marker(lines, fence),
                 _section(lines, fence))


def _marker(lines: list[str], fence: int) -> str | None:
    before = [line for line in lines[:fence] if line.strip()]
    found = NOT_RUN.match(before[-1]) if before else None
    return found.group(1) if found else None


def _section(lines: list[str], fence: int) -> str:
    headings = [line[3:].strip() for line in lines[:fence] if line.startswith("## ")]
    return headings[-1] if headings else ""


def is_transcript(block: Block) -> bool:
    """A block whose first line is a shell command (``$ ...``)."""
    return bool(block.lines) and block.lines[0].startswith("$ ")


def steps(block: Block) -> list[Step]:
    """The commands of a transcript with the output lines pasted under each."""
    found: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            found[-1][1].append(line)
    return [Step(command, tuple(out)) for command, out in found]


def is_ellipsis(line: str) -> bool:
    """The elision line: ``...`` alone, indentation allowed."""
    return line.strip() == ELLIPSIS


def _costs(expected: list[str], actual: list[str]) -> list[list[int]]:
    """cost[i][j]: aligning expected[i:] with actual[j:], fewest changed lines first, then
    fewest lines left to an elision (so a changed line is shown rather than elided)."""
    rows, cols = len(expected), len(actual)
    cost = [[0] * (cols + 1) for _ in range(rows + 1)]
    cost[rows] = [(cols - j) * CHANGE for j in range(cols + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols, -1, -1):
            cost[i][j] = _cell(cost, expected[i], actual, i, j)
    return cost


def _cell(cost: list[list[int]], want: str, actual: list[str], i: int, j: int) -> int:
    more = j < len(actual)
    if is_ellipsis(want):
        return min(cost[i + 1][j], 1 + cost[i][j + 1]) if more else cost[i + 1][j]
    best = CHANGE + cost[i + 1][j]
    if more:
        best = min(best, CHANGE + cost[i][j + 1],
                   (want != actual[j]) * CHANGE + cost[i + 1][j + 1])
    return best


def matches(expected: list[str] | tuple[str, ...], actual: list[str]) -> bool:
    """True when the pasted lines equal the real ones, each ``...`` standing for any run."""
    return _costs(list(expected), actual)[0][0] < CHANGE


def regenerate(expected: list[str] | tuple[str, ...], actual: list[str]) -> list[str]:
    """The paste rewritten from the real lines, keeping each ``...`` where it still fits."""
    expected = list(expected)
    cost, out, i, j = _costs(expected, actual), [], 0, 0
    while i < len(expected) or j < len(actual):
        i, j = _advance(cost, expected, actual, i, j, out)
    return out


def _advance(cost, expected, actual, i, j, out) -> tuple[int, int]:
    """One step along a cheapest alignment, appending what the new paste shows (ties go to an
    unchanged line, then a new one, then a removed one, then a changed one)."""
    here, more = cost[i][j], j < len(actual)
    if i == len(expected):
        out.append(actual[j])
        return i, j + 1
    if is_ellipsis(expected[i]):
        if more and 1 + cost[i][j + 1] == here:
            return i, j + 1
        out.append(expected[i])
        return i + 1, j
    if more and expected[i] == actual[j] and cost[i + 1][j + 1] == here:
        out.append(actual[j])
        return i + 1, j + 1
    if more and CHANGE + cost[i][j + 1] == here:     # a new line: shown
        out.append(actual[j])
        return i, j + 1
    if CHANGE + cost[i + 1][j] == here:              # a line that is gone
        return i + 1, j
    out.append(actual[j])                            # a changed line
    return i + 1, j + 1


def render(block: Block, pasted: list[tuple[str, list[str]]]) -> list[str]:
    """The block's content lines (indented as in the file) for these commands and outputs."""
    lines = []
    for command, output in pasted:
        lines += ["$ " + command] + output
    return [block.indent + line if line else "" for line in lines]


def rewrite(text: str, replacements: dict[Block, list[str]]) -> str:
    """The text with each block's content lines replaced (blocks from ``blocks(text)``)."""
    lines = text.split("\n")
    for block in sorted(replacements, key=lambda b: b.start, reverse=True):
        lines[block.start:block.end] = replacements[block]
    return "\n".join(lines)
