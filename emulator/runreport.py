"""The run summary of ``fwsandbox run`` (text) and the exit code of a run."""
from __future__ import annotations

from .summary import faults, interrupt_stats, max_nesting


def exit_code(result, findings=()) -> int:
    clean = result.reason == "exit" and result.code == 0 and not faults(result.events or []) and not findings
    return 0 if clean else 1


def run_text(machine, result) -> str:
    events = result.events or []
    lines = ["", f"== fwsandbox run: {machine.image.path} on {machine.board.name} "
                 f"({machine.model.version}) =="]
    exit_line = f"exit: {result.reason}"
    if result.code is not None:
        exit_line += f" (code {result.code})"
    if result.message:
        exit_line += f" — {result.message}"
    lines += [exit_line, f"cycles: {result.cycles:,}   instructions: {result.instructions:,}"]
    stats = interrupt_stats(events)
    if stats:
        lines.append(f"interrupts (max nesting {max_nesting(events)}):")
        lines += [f"  {s.name:<10} #{s.irq:<4} {s.handler:<24} taken {s.taken:>7,}   max depth {s.max_depth}"
                  for s in stats]
    for f in faults(events):
        lines.append(f"FAULT {f.kind} at {f.location} (pc 0x{f.pc:08x}) in {f.context.name}, "
                     f"cycle {f.cycle:,}: {f.message}")
    return "\n".join(lines)
