"""The run summary of ``fwsandbox run``: text and JSON renderings and the exit code."""
from __future__ import annotations

from .summary import faults, interrupt_stats, max_nesting


def exit_code(result, findings=()) -> int:
    clean = result.reason == "exit" and result.code == 0 and not faults(result.events or []) and not findings
    return 0 if clean else 1


def run_document(machine, result) -> dict:
    events = result.events or []
    return {
        "image": {"path": machine.image.path, "sha256": machine.image.sha256},
        "board": machine.board.name,
        "cycle_model": machine.model.version,
        "exit": {"reason": result.reason, "code": result.code, "message": result.message},
        "cycles": result.cycles,
        "instructions": result.instructions,
        "output": result.output,
        "findings": [_fault(f) for f in faults(events)],
        "interrupts": [{"irq": s.irq, "name": s.name, "handler": s.handler, "taken": s.taken,
                        "max_depth": s.max_depth} for s in interrupt_stats(events)],
    }


def _fault(f) -> dict:
    return {"kind": "fault", "fault": f.kind, "message": f.message, "pc": f.pc, "location": f.location,
            "cycle": f.cycle, "context": {"handler": f.context.handler, "irq": f.context.irq,
                                          "depth": f.context.depth}}


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
