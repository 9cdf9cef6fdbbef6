"""Board IRQ wiring as data: ``irq = "nvic@8"`` names an interrupt controller and its line.

A peripheral's ``irq`` is one of
- ``"<controller>@<line>"``: ``nvic`` (the Cortex-M NVIC, in the SCS; lines are external
  interrupts 0 to num_irq - 1) or ``intc`` (the MPC5554 INTC; lines are its sources);
- a plain integer, ``irq = 8``: that line of the board's interrupt controller (older boards);
- a list of those, one per interrupt output of the peripheral.
A single line for a peripheral with several outputs (the PIT's channels) is its first output's:
output n is wired to line + n.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BadInput

CONTROLLERS = {"nvic": "scs", "intc": "mpc5554-intc"}   # name -> the kind that provides it
MAX_LINE = 1023
MAX_OUTPUTS = 32
_REF = re.compile(r"([A-Za-z][\w-]*)@(\d{1,6})")


@dataclass(frozen=True)
class IrqRef:
    """One controller line; ``controller`` None: the board's controller (``irq = 8``)."""

    controller: str | None
    line: int

    def __str__(self) -> str:
        return f"{self.controller}@{self.line}" if self.controller else str(self.line)

    def plus(self, n: int) -> "IrqRef":
        return IrqRef(self.controller, self.line + n)


def parse_irq(value, source: str, key: str) -> tuple[IrqRef, ...]:
    """A peripheral's ``irq`` value as the lines it names (none when the key is absent)."""
    if value is None:
        return ()
    if isinstance(value, list):
        if not 1 <= len(value) <= MAX_OUTPUTS:
            raise BadInput(f"{source}: key '{key}': expected 1 to {MAX_OUTPUTS} lines, "
                           f"got {len(value)}")
        return tuple(_ref(v, source, f"{key}[{n}]") for n, v in enumerate(value))
    return (_ref(value, source, key),)


def _ref(value, source: str, key: str) -> IrqRef:
    if isinstance(value, int) and not isinstance(value, bool):
        return IrqRef(None, _line(value, source, key))
    found = _REF.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise BadInput(f"{source}: key '{key}': expected \"<controller>@<line>\" (like "
                       f"\"nvic@8\" or \"intc@59\") or a line number, got {_short(value)}")
    name = found.group(1)
    if name not in CONTROLLERS:
        raise BadInput(f"{source}: key '{key}': unknown interrupt controller '{name}' "
                       f"(known: {', '.join(sorted(CONTROLLERS))})")
    return IrqRef(name, _line(int(found.group(2)), source, key))


def _line(line: int, source: str, key: str) -> int:
    if not 0 <= line <= MAX_LINE:
        raise BadInput(f"{source}: key '{key}': line {line} out of range 0-{MAX_LINE}")
    return line


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def board_controllers(board) -> dict[str, int]:
    """The controllers a board has, each with its number of lines: the NVIC's external
    interrupts (num_irq), an INTC's sources (its ``sources``, at most num_irq)."""
    found = {}
    for p in board.peripherals:
        for name, kind in CONTROLLERS.items():
            if p.kind == kind:
                lines = dict(p.params).get("sources", board.num_irq) if name == "intc" else None
                found[name] = min(board.num_irq, lines if isinstance(lines, int) else board.num_irq)
    return found


def resolve(refs: tuple[IrqRef, ...], controllers, where: str) -> tuple[IrqRef, ...]:
    """``refs`` with the board's controller named where a plain number left it out."""
    if all(r.controller for r in refs):
        return refs
    if len(controllers) != 1:
        have = ", ".join(sorted(controllers)) or "none"
        raise BadInput(f"{where}: a plain line number needs the board's one interrupt "
                       f"controller (this board has: {have}); write \"<controller>@<line>\"")
    name = next(iter(controllers))
    return tuple(r if r.controller else IrqRef(name, r.line) for r in refs)


def check_lines(refs: tuple[IrqRef, ...], outputs: int, controllers: dict[str, int],
                where: str) -> None:
    """Every line a peripheral with ``outputs`` outputs is wired to exists on the board."""
    for n, ref in enumerate(expand(refs, outputs, where)):
        which = f" (output {n}: {refs[0]} + {n})" if len(refs) < outputs else ""
        if ref.controller not in controllers:
            raise BadInput(f"{where}: '{ref}': this board has no interrupt controller "
                           f"'{ref.controller}' (a peripheral of kind "
                           f"'{CONTROLLERS[ref.controller]}' provides it)")
        count = controllers[ref.controller]
        if ref.line >= count:
            raise BadInput(f"{where}: '{ref}'{which} is not a line of this board's "
                           f"{ref.controller} (lines 0-{count - 1})")


def expand(refs: tuple[IrqRef, ...], outputs: int, where: str) -> tuple[IrqRef, ...]:
    """One line per output: a list names each, a single line is the first of consecutive ones."""
    if len(refs) == outputs:
        return refs
    if len(refs) == 1:
        return tuple(refs[0].plus(n) for n in range(outputs))
    raise BadInput(f"{where}: {len(refs)} lines for {outputs} interrupt outputs (give one "
                   f"line per output, or the first output's line)")
