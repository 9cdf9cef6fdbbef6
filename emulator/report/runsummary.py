"""The run summary of ``fwsandbox run`` (text) and the exit code of a run."""
from __future__ import annotations

from ..engine.clock import slow_clock_warning


def exit_code(result, findings=()) -> int:
    """0 only when nothing (faults included) was found and the firmware exited 0, or ran for
    the time asked (``--run-for``) or went idle for good when asked to (``--idle-ok``)."""
    ended_well = result.reason == "stopped" or (result.reason == "exit" and result.code == 0)
    return 0 if ended_well and not findings else 1


def run_text(machine, result, interrupts, unreturned=(), watch=None) -> str:
    """Header, what was watched (a ``WatchSummary``), exit, counters, the detectors' interrupt
    statistics and a warning per function whose calls never returned (``Unreturned``: they
    have no cycle statistics); findings follow apart."""
    lines = ["", f"== fwsandbox run: {machine.image.path} on {machine.board.name} "
                 f"({machine.model.version}) =="]
    lines += watch_lines(watch) if watch is not None else []
    slow = slow_clock_warning()
    lines += [slow] if slow else []
    exit_line = f"exit: {result.reason}"
    if result.code is not None:
        exit_line += f" (code {result.code})"
    if result.message:
        exit_line += f" — {result.message}"
    lines += [exit_line, f"cycles: {result.cycles:,}   instructions: {result.instructions:,}"]
    lines += [f"cycle model: {note}" for note in machine.model.notes()]   # what it did not see
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
    lines += [f"not modelled: {note}" for note in machine.core.notes()]
    return "\n".join(lines)


def watch_lines(watch) -> list[str]:
    """``profiles:``, ``rules file:`` (with one), ``watched:`` and ``isr stack:`` lines."""
    profiles = ", ".join(f"{name} ({why})" for name, why in watch.profiles) or "none"
    lines = [f"profiles: {profiles}"]
    if watch.rules_file:
        lines.append(f"rules file: {watch.rules_file}")
    count = len(watch.functions)
    lines.append(f"watched: {count} function{'s' if count != 1 else ''}"
                 + (f": {', '.join(watch.functions)}" if count else
                    " (no profile's functions in the image; name yours in a rules file)"))
    return lines + [stack_line(watch)]


def stack_line(watch) -> str:
    if watch.stack_base is None:
        return f"isr stack: {watch.stack_source}"
    size = watch.stack_top - watch.stack_base
    return (f"isr stack: {watch.stack_name} {watch.stack_base:#x}-{watch.stack_top:#x} "
            f"({size:,} bytes) from {watch.stack_source}")
