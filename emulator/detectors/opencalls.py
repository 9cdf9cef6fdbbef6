"""Open watched calls per interrupt chain: call chains for backtraces, and inner calls (malloc -> _malloc_r)."""
from __future__ import annotations

from ..events import CallAbandoned, CallEntered, CallReturned
from ..rules.model import Rules
from .base import Dispatching, Handlers


class OpenCallTracker(Dispatching):
    """Consumes ``CallEntered``/``CallReturned``/``CallAbandoned`` before the other detectors.

    ``enclosing(event)``: the call sites of the watched calls open around a just-entered call in
    the same handler chain (innermost first).  ``inner``: ids of calls of an ``inner`` rule made
    while a call of the same group was open in the same chain; they are part of that call and
    the allocator detectors never see them (``allocator_gate``).  Threads share the chain ``()``.
    """

    def __init__(self, rules: Rules):
        self.rule_of = rules.by_name.get
        self.open: dict[tuple, list[tuple[int, str, str]]] = {}     # chain -> (id, group, site)
        self.chain_of: dict[int, tuple] = {}
        self.inner: set[int] = set()

    def handlers(self) -> Handlers:
        return {CallEntered: self.on_entered, CallReturned: self.on_ended,
                CallAbandoned: self.on_ended}

    def on_entered(self, event: CallEntered) -> None:
        rule = self.rule_of(event.function)
        group = rule.group if rule else event.function
        chain = event.context.chain
        stack = self.open.setdefault(chain, [])
        if rule is not None and rule.inner and any(g == group for _, g, _ in stack):
            self.inner.add(event.call_id)
        stack.append((event.call_id, group, event.call_site))
        self.chain_of[event.call_id] = chain

    def on_ended(self, event) -> None:
        chain = self.chain_of.pop(event.call_id, None)
        stack = self.open.get(chain, [])
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == event.call_id:
                del stack[index]
                break

    def enclosing(self, event: CallEntered) -> tuple[str, ...]:
        stack = self.open.get(event.context.chain, [])
        return tuple(site for call_id, _, site in reversed(stack) if call_id != event.call_id)

    def allocator_gate(self, rules: Rules, handler):
        """``handler`` called only for calls of allocators and frees that are not inner calls."""
        allocators = {r.name for r in rules.functions if r.role != "call"}
        inner = self.inner

        def gated(event) -> None:
            if event.function in allocators and event.call_id not in inner:
                handler(event)
        return gated
