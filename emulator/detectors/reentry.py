"""allocator-reentry: an interrupt enters an allocator group while the code it preempted is inside it."""
from __future__ import annotations

from functools import lru_cache

from ..events import CallAbandoned, CallEntered, CallReturned, Context, InterruptEntered, InterruptExited
from ..report.model import Finding
from ..rules.model import FunctionRule, Rules
from .base import Dispatching, FindingBook, Handlers, call_pc, chain_text


class AllocatorReentryDetector(Dispatching):
    """lockdep's ``{IN-HARDIRQ-W} -> {HARDIRQ-ON-W}``, made deterministic.

    Reports a ``CallEntered`` in interrupt context (depth d > 0) of a function allowed there
    by its rule, while a call into the same ``group`` (and the same ``instance_arg`` value, when
    both rules name one) is open at a shallower depth, that open call's rule is not ``reentrant``, and interrupts were unmasked when it was entered.  The
    finding names both call sites and the preemption point (the ``preempted_pc`` of the
    interrupt entered just above the open call's depth), whether or not corruption followed.
    One finding per (interrupted call site, reentering call site, handler), with a count.
    Calls forbidden in interrupt context are left to alloc-in-isr.

    An interrupt whose ``preempted_location`` lies in a watched function (``F+0x..``) also
    counts as preempting a call of ``F`` (call site unknown, any instance) until it returns:
    an interrupt taken at F's first instruction arrives before F's ``CallEntered``.
    """

    name = "allocator-reentry"

    def __init__(self, rules: Rules):
        self.rules = rules
        self.rule_of = rules.by_name.get        # function name -> its rule, or None
        self.open: dict[int, CallEntered] = {}          # open calls of non-reentrant functions
        self.entries: dict[int, InterruptEntered] = {}  # depth -> latest entry at that depth
        self.preempted: dict[int, CallEntered] = {}     # depth -> call implied by a preempted PC
        self.book = FindingBook()
        # only a group with a non-reentrant function can be entered unsafely
        self.exposed_groups = {rule.group for rule in rules.functions if not rule.reentrant}

    def handlers(self) -> Handlers:
        return {InterruptEntered: self.on_interrupt_entered, InterruptExited: self.on_interrupt_exited,
                CallEntered: self.on_call_entered, CallReturned: self.on_call_returned,
                CallAbandoned: self.on_call_returned}     # an abandoned call is over as well

    def on_interrupt_entered(self, event: InterruptEntered) -> None:
        self.entries[event.context.depth] = event
        self._note_preempted(event)

    def on_interrupt_exited(self, event: InterruptExited) -> None:
        if event.tail_chained_to is None:
            self.preempted.pop(event.context.depth, None)

    def on_call_entered(self, event: CallEntered) -> None:
        rule = self.rule_of(event.function)
        if rule is None:
            return
        if event.context.depth > 0 and (self.open or self.preempted):  # in an interrupt, in a call
            self._check(event, rule)
        if not rule.reentrant:
            self.open[event.call_id] = event
        elif self.open:
            self.open.pop(event.call_id, None)  # can never be exposed (and ends a reused id)

    def on_call_returned(self, event: CallReturned | CallAbandoned) -> None:
        if self.open:
            self.open.pop(event.call_id, None)

    def _check(self, event: CallEntered, rule: FunctionRule) -> None:
        """``event`` is in an interrupt: report each exposed open call of its group."""
        if rule.group not in self.exposed_groups or not rule.allowed_in_interrupt(event.args):
            return
        for victim in self._victims(event, rule):
            preemption = self.entries.get(victim.context.depth + 1)
            key = (victim.call_site, event.call_site, event.context.handler)
            self.book.add(key, lambda: reentry_finding(event, victim, preemption, rule.group))

    def _note_preempted(self, event: InterruptEntered) -> None:
        """Imply a call of the watched function the interrupt preempted (none: not watched).

        A reentrant function's implied call could never be exposed, so it is not made.
        """
        function = event.preempted_location.split("+")[0]
        depth = event.context.depth - 1
        rule = self.rule_of(function)
        if rule is None or event.tail_chained:
            return
        if rule.reentrant:
            self.preempted.pop(depth, None)
            return
        outer = outer_context(event.context.chain, depth)
        self.preempted[depth] = CallEntered(cycle=event.cycle, call_id=-1, function=function,
                                            args=(), return_address=0, call_site="",
                                            sp=event.sp, context=outer)

    def _candidates(self) -> list[CallEntered]:
        """Open calls, then calls implied by preempted PCs that no open call explains."""
        calls = list(self.open.values())
        if self.preempted:
            real = {(call.function, call.context.depth) for call in calls}
            calls += [call for call in self.preempted.values()
                      if (call.function, call.context.depth) not in real]
        return calls

    def _victims(self, event: CallEntered, rule: FunctionRule) -> list[CallEntered]:
        instance, depth = rule.instance(event.args), event.context.depth
        return [call for call in self._candidates()
                if call.context.depth < depth and self._exposed(call, rule.group, instance)]

    def _exposed(self, call: CallEntered, group: str, instance: int | None) -> bool:
        """Whether open ``call`` shares ``group``/``instance`` and is not protected."""
        rule = self.rule_of(call.function)
        other = rule.instance(call.args)
        same = instance is None or other is None or instance == other
        return rule.group == group and same and not rule.reentrant and not call.context.masked

    def findings(self) -> tuple[Finding, ...]:
        return self.book.findings()


@lru_cache(maxsize=64)
def outer_context(chain: tuple[str, ...], depth: int) -> Context:
    """The (unmasked) context at ``depth`` that an interrupt with handler ``chain`` preempted."""
    outer = chain[:-1]
    return Context(handler=(outer or (None,))[-1], depth=depth, chain=outer)


def preemption_text(entry: InterruptEntered | None) -> tuple[str, int | None]:
    if entry is None:
        return "unknown", None
    return entry.preempted_location or f"{entry.preempted_pc:#x}", entry.preempted_pc


def reentry_finding(event: CallEntered, victim: CallEntered, entry: InterruptEntered | None,
                    group: str) -> Finding:
    ctx = event.context
    where, pc = preemption_text(entry)
    site = victim.call_site or "an unknown site"
    message = (f"inconsistent allocator usage: {event.function} entered from {event.call_site} "
               f"in {ctx.name} ({ctx.irq_text}, depth {ctx.depth}) while {victim.context.name} "
               f"was inside {victim.function} (called from {site}) with interrupts "
               f"enabled, preempted at {where}; both use the '{group}' free list")
    details = {"group": group, "interrupted_function": victim.function,
               "interrupted_call_site": victim.call_site, "interrupted_context": victim.context.name,
               "interrupted_cycle": victim.cycle, "preempted_at": where,
               "chain": chain_text(ctx.chain)}
    if pc is not None:
        details["preempted_pc"] = pc
    return Finding(kind="allocator-reentry", message=message,
                   pc=call_pc(event),
                   location=event.call_site, function=event.function, context=ctx,
                   cycle=event.cycle, backtrace=event.backtrace,
                   details=tuple(sorted(details.items())))
