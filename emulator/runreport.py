"""The run summary of ``fwsandbox run`` (text) and the exit code of a run."""
from __future__ import annotations


def exit_code(result, findings=()) -> int:
    """0 only when nothing (faults included) was found and the firmware exited 0, or ran for
    the time asked (``--run-for``) or went idle for good when asked to (``--idle-ok``)."""
    ended_well = result.reason == "stopped" or (result.reason == "exit" and result.code == 0)
    return 0 if ended_well and not findings else 1


def run_text(machine, result, interrupts, unreturned=()) -> str:
    """Header, exit, counters, the detectors' interrupt statistics and a warning per function
    whose calls never returned (``Unreturned``: they have no cycle statistics); findings
    follow apart."""
    lines = ["", f"== fwsandbox run: {machine.image.path} on {machine.board.name} "
                 f"({machine.model.version}) =="]
    exit_line = f"exit: {result.reason}"
    if result.code is not None:
        exit_line += f" (code {result.code})"
    if result.message:
        exit_line += f" — {result.message}"
    lines += [exit_line, f"cycles: {result.cycles:,}   instructions: {result.instructions:,}"]
    if interrupts:
        lines.append(f"interrupts (max nesting {max(s.max_depth for s in interrupts)}):")
        lines += [f"  {s.name:<10} #{s.irq:<4} {s.handler:<24} taken {s.taken:>7,}   max depth {s.max_depth}"
                  for s in interrupts]
    lines += [f"warning: {u.calls} call{'s' if u.calls != 1 else ''} of {u.function} never "
              f"returned ({u.reason})" for u in unreturned]
    stubbed = machine.bus.stub_log.lines(machine.describe)
    if stubbed:
        lines += ["unmodelled peripheral registers (stubs: they read back what was written):"]
        lines += stubbed
    return "\n".join(lines)
