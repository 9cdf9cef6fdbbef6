"""The findings of the interrupt timing budgets (isr_cycles, masked_cycles, latency_cycles), each naming its worst instance."""
from __future__ import annotations

from ..events import Context
from ..report.model import Finding, HandlerStats, LatencyStats, MaskedStats


def _handler_context(handler: str, number: int) -> Context:
    return Context(handler=handler, irq=number, depth=1, chain=(handler,))


def handler_finding(stats: HandlerStats, limit: int) -> Finding:
    """``isr-cycles``: a handler's slowest invocation (exclusive of nesting) over budget."""
    message = (f"{stats.handler} ({stats.name}): max {stats.max} cycles exceeds the isr_cycles "
               f"budget of {limit} cycles (slowest invocation entered at cycle {stats.max_cycle},"
               f" interrupting {stats.max_at or '-'}; {stats.calls} calls, p99 {stats.p99})")
    return Finding(kind="isr-cycles", message=message, pc=None, location="",
                   function=stats.handler, context=_handler_context(stats.handler, stats.irq),
                   cycle=stats.max_cycle,
                   details=(("budget", limit), ("calls", stats.calls), ("interrupted", stats.max_at),
                            ("metric", "max"), ("p99", stats.p99), ("value", stats.max)))


def masked_finding(stats: MaskedStats, limit: int) -> Finding:
    """``masked-cycles``: a function's longest masked section over budget."""
    message = (f"{stats.function}: interrupts masked for {stats.max} cycles exceeds the "
               f"masked_cycles budget of {limit} cycles (from {stats.max_at} to {stats.max_end} "
               f"at cycle {stats.max_cycle}; {stats.sections} sections, mean {stats.mean:.2f})")
    return Finding(kind="masked-cycles", message=message, pc=None, location=stats.max_at,
                   function=stats.function, context=Context(masked=True), cycle=stats.max_cycle,
                   details=(("budget", limit), ("end", stats.max_end), ("metric", "max"),
                            ("sections", stats.sections), ("value", stats.max)))


def latency_finding(stats: LatencyStats, limit: int) -> Finding:
    """``latency-cycles``: an interrupt's worst latency over budget, with its cause."""
    message = (f"{stats.name} ({stats.handler}): latency {stats.max} cycles exceeds the "
               f"latency_cycles budget of {limit} cycles (taken at cycle {stats.max_cycle}, "
               f"{stats.cause}; {stats.count} takings, p99 {stats.p99})")
    return Finding(kind="latency-cycles", message=message, pc=None, location="",
                   function=stats.handler, context=_handler_context(stats.handler, stats.irq),
                   cycle=stats.max_cycle,
                   details=(("budget", limit), ("cause", stats.cause), ("metric", "max"),
                            ("p99", stats.p99), ("value", stats.max)))
