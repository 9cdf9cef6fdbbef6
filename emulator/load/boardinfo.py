"""What ``fwsandbox boards`` prints about a board: core, memory map and peripherals, as text."""
from __future__ import annotations

from .board import Board, PeripheralSpec
from .irqspec import board_controllers, expand, resolve


def describe(board: Board) -> list[str]:
    """A board in a few lines: its core, then one line per memory region and peripheral."""
    mhz = f"{board.clock_hz / 1e6:g} MHz"
    fpu = f", fpu {board.fpu}" if board.fpu != "none" else ""
    lines = [f"{board.name}: {board.arch} {board.cpu}{fpu}, cycle model {board.cycle_model}, "
             f"{mhz}, {board.num_irq} interrupt lines, {board.priority_bits} priority bits"]
    lines += [f"  memory      {r.name:<8} 0x{r.base:08x}-0x{r.base + r.size - 1:08x}  {r.perms}"
              + (f"  {r.wait_states} wait states" if r.wait_states else "")
              for r in board.memory + board.alias_regions()]
    controllers = board_controllers(board)
    kind = max((len(p.kind) for p in board.peripherals), default=0)
    lines += [(f"  peripheral  {p.name:<8} 0x{p.base:08x}-0x{p.base + p.size - 1:08x}  "
               f"{p.kind:<{kind}}" + _irq(p, controllers)).rstrip() for p in board.peripherals]
    return lines


def _irq(p: PeripheralSpec, controllers) -> str:
    """`` -> nvic@8`` / `` -> intc@59,60,61,62``: the controller lines it drives, one per output."""
    if not p.irq:
        return ""
    channels = dict(p.params).get("channels", 1)
    refs = expand(resolve(p.irq, controllers, p.name), channels, p.name)
    if len({r.controller for r in refs}) > 1:
        return "  -> " + ", ".join(map(str, refs))
    return f"  -> {refs[0].controller}@{','.join(str(r.line) for r in refs)}"
