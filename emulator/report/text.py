"""Human-readable findings for ``fwsandbox run``, in the style of kernel BUG reports."""
from __future__ import annotations

from .model import Finding, Report


def context_line(finding: Finding) -> str:
    ctx = finding.context
    if not ctx.in_interrupt:
        return f"context: thread, irqs {'masked' if ctx.masked else 'enabled'}"
    return (f"context: {ctx.name} ({ctx.irq_text}), depth {ctx.depth}, "
            f"chain {' > '.join(ctx.chain) or ctx.name}, irqs {'masked' if ctx.masked else 'enabled'}")


def render_finding(finding: Finding) -> str:
    """One finding as an indented block: message, where, when, details, backtrace."""
    where = finding.location or "-"
    if finding.pc is not None:
        where += f" (pc {finding.pc:#x})"
    if finding.source is not None:
        where += f" at {finding.source[0]}:{finding.source[1]}"
    lines = [f"[{finding.kind}] {finding.message}",
             f"  at {where}, cycle {finding.cycle}"
             + (f", {finding.count} times" if finding.count > 1 else ""),
             f"  {context_line(finding)}"]
    lines += [f"  {name}: {detail_text(name, value)}" for name, value in finding.details
              if name not in SHOWN_ELSEWHERE]
    if finding.backtrace:
        lines.append("  backtrace:")
        lines += [f"    #{i} {frame}" for i, frame in enumerate(finding.backtrace)]
    lines += register_lines(finding.registers)
    return "\n".join(lines) + "\n"


def register_lines(registers: tuple[tuple[str, int], ...], per_line: int = 4) -> list[str]:
    """A register dump, ``per_line`` registers a line, QEMU-style (``r0=00000000``)."""
    cells = [f"{name:>9}={value:08x}" for name, value in registers]
    rows = [" ".join(cells[i:i + per_line]) for i in range(0, len(cells), per_line)]
    return ["  registers:"] + [f"  {row}" for row in rows] if rows else []


SHOWN_ELSEWHERE = {"chain", "masked"}
ADDRESS_KEYS = ("pc", "address", "base", "top", "sp", "pointer")


def detail_text(name: str, value: str | int) -> str:
    """Addresses in hex, everything else as is."""
    return f"{value:#x}" if isinstance(value, int) and name.endswith(ADDRESS_KEYS) else str(value)


def render_stacks(report: Report) -> list[str]:
    lines = []
    for s in report.stacks:
        chain = " > ".join(s.worst_chain) or "-"
        lines.append(f"stack {s.name}: high water {s.high_water} of {s.limit} bytes "
                     f"({s.base:#x}-{s.top:#x}), deepest in {chain}")
    return lines


def render_text(report: Report) -> str:
    """Findings (or 'no findings'), then exit, cycle and stack summary lines."""
    count = len(report.findings)
    head = f"fwsandbox: {count} finding{'s' if count != 1 else ''}" if count else "fwsandbox: no findings"
    blocks = [head + "\n"] + [render_finding(f) for f in report.findings]
    summary = [f"exit: {report.exit_reason} (code {report.exit_code if report.exit_code is not None else '-'}),"
               f" {report.cycles} cycles, {report.instructions} instructions "
               f"[{report.cycle_model} {report.cycle_model_version}]"]
    summary += [f"not modelled: {note}" for note in report.not_modelled]
    return "".join(blocks) + "\n".join(summary + render_stacks(report)) + "\n"
