"""alloc-in-isr / blocking-in-isr: a watched function entered in interrupt context (or masked, if it waits) that its rule forbids."""
from __future__ import annotations

from ..events import CallEntered
from ..report.model import Finding
from ..rules.model import FunctionRule, Rules
from .base import Dispatching, FindingBook, Handlers, call_pc, chain_text


class AllocInIsrDetector(Dispatching):
    """Flags ``CallEntered`` of a watched function at depth > 0 whose rule disallows the call,
    and, for rules with ``waits``, the same call in thread code with interrupts masked (where
    the wait can never end: Linux's ``irqs_disabled()`` case).

    Consumes ``CallEntered`` only; ``findings()`` gives one finding per distinct (function,
    call site, handler) with a count, describing the first occurrence in the style of Linux's
    ``BUG: sleeping function called from invalid context``.  Functions of kind ``blocking``
    give ``blocking-in-isr`` findings.  With an ``OpenCallTracker`` (run before this detector)
    inner calls are not reported again and the backtrace goes through the watched calls open
    around the call (printf > _vfprintf_r > ... > _malloc_r).
    """

    name = "alloc-in-isr"

    def __init__(self, rules: Rules, tracker=None):
        self.rules = rules
        self.tracker = tracker                  # an OpenCallTracker, or None
        # function name -> its rule, for the rules that can forbid a call ('always' never does)
        self.restricted = {name: rule for name, rule in rules.by_name.items()
                           if rule.isr != "always"}.get
        self.book = FindingBook()

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_call_entered}

    def on_call_entered(self, event: CallEntered) -> None:
        context = event.context
        if not (context.depth or context.masked):
            return                              # thread code, unmasked: every call is valid
        rule = self.restricted(event.function)
        if rule is None or not invalid_context(event, rule) or rule.allowed_in_interrupt(event.args):
            return
        tracker = self.tracker
        if tracker is not None and event.call_id in tracker.inner:
            return                              # part of an enclosing call already judged
        key = (event.function, event.call_site, context.handler)
        chain = tracker.enclosing(event) if tracker is not None else ()
        self.book.add(key, lambda: make_finding(with_chain(event, chain), rule))

    def findings(self) -> tuple[Finding, ...]:
        return self.book.findings()


def invalid_context(event: CallEntered, rule: FunctionRule) -> bool:
    """In an interrupt, or masked when the call may wait."""
    return event.context.in_interrupt or (rule.waits and event.context.masked)


def with_chain(event: CallEntered, enclosing: tuple[str, ...]) -> CallEntered:
    """The event with the call sites of the enclosing watched calls after its own."""
    if not enclosing:
        return event
    return event._replace(backtrace=event.backtrace[:1] + enclosing + event.backtrace[1:])


def why_not_allowed(rule: FunctionRule, in_interrupt: bool) -> str:
    if not in_interrupt:
        return f"{rule.name} may wait, and cannot be woken with interrupts masked"
    if rule.isr == "when-flag" and rule.when_flag is not None:
        return f"{rule.name} needs {rule.when_flag.name} in argument {rule.when_flag.arg}"
    if rule.isr == "when-arg" and rule.when_arg is not None:
        return f"{rule.name} is allowed in interrupt context only with {rule.when_arg.text}"
    return f"{rule.name} is never allowed in interrupt context"


def what(rule: FunctionRule) -> str:
    """Linux's wording: a function that may sleep, or an allocator of its kind."""
    if rule.kind == "blocking":
        return "sleeping function"
    if rule.kind == "call":
        return "function"
    return f"{rule.kind} allocator function"


def make_finding(event: CallEntered, rule: FunctionRule) -> Finding:
    ctx = event.context
    args = rule.format_args(event.args)
    message = (f"BUG: {what(rule)} called from invalid context: "
               f"{event.function}({args}) from {event.call_site} in {ctx.name} "
               f"({ctx.irq_text}, depth {ctx.depth}, irqs {'masked' if ctx.masked else 'enabled'})"
               f": {why_not_allowed(rule, ctx.in_interrupt)}")
    details = {"args": args, "raw_args": ", ".join(f"{a:#x}" for a in event.args),
               "chain": chain_text(ctx.chain), "masked": int(ctx.masked), "rule": rule.isr}
    pc = call_pc(event)
    return Finding(kind=rule.finding_kind, message=message, pc=pc, location=event.call_site,
                   function=event.function, context=ctx, cycle=event.cycle,
                   backtrace=event.backtrace, details=tuple(sorted(details.items())))
