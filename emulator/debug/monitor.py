"""gdb ``monitor`` commands (qRcmd): the sandbox's own state at the halted instruction, as text."""
from __future__ import annotations

from .target import DebugTarget, finding_text

HELP = ("monitor commands: cycles (the model cycle of the halted instruction), findings (found "
        "so far), interrupts (taken so far, and the current context), reset, help\n")


def monitor(target: DebugTarget, command: str) -> str:
    """The reply text of ``monitor COMMAND``."""
    action = {"cycles": _cycles, "findings": _findings, "interrupts": _interrupts,
              "reset": _reset, "help": lambda t: HELP}.get(command)
    if action is None:
        return f"unknown monitor command '{command}'; {HELP}"
    return action(target)


def _cycles(target: DebugTarget) -> str:
    m = target.machine
    return (f"cycle {target.cycle()} (model cycles at the halted instruction; "
            f"{m.instructions} instructions counted to the end of its block)\n")


def _findings(target: DebugTarget) -> str:
    detectors = getattr(target.machine, "detectors", None)
    if detectors is None:
        return "findings: not watched (no live detectors on this machine)\n"
    found = sorted((f for d in detectors.detectors for f in d.findings()), key=lambda f: f.cycle)
    if not found:
        return "no findings so far\n"
    lines = [f"{len(found)} finding{'s' if len(found) > 1 else ''} so far:"]
    lines += [finding_text(f) + (f" ({f.count} times)" if f.count > 1 else "") for f in found]
    return "\n".join(lines) + "\n"


def _interrupts(target: DebugTarget) -> str:
    m = target.machine
    ctx = m.core.context()
    lines = [f"context: {ctx.name}" + (f" (irq {ctx.irq}, depth {ctx.depth})" if ctx.irq is not None
                                       else "")]
    detectors = getattr(m, "detectors", None)
    stats = detectors.counter.stats() if detectors is not None else ()
    lines += [f"  {s.name:<10} #{s.irq:<4} {s.handler:<24} taken {s.taken:>7}   max depth "
              f"{s.max_depth}" for s in stats] or ["  no interrupt taken so far"]
    return "\n".join(lines) + "\n"


def _reset(target: DebugTarget) -> str:
    return ("monitor reset: not supported: the interrupt controller, timers, detectors and the "
            "model clock of a run cannot be rewound in place; quit and start fwsandbox again "
            "(the same inputs give the same run)\n")
