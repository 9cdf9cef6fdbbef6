"""Block costs shared between an exploration's processes: each forked branch translates blocks
the recording run never ran (the handler, a block cut at the boundary) and costs them with the
cycle model (a disassembly per block, ~0.3 ms); it sends what it costed back, and branches
forked later find it here.  Costs are a pure function of (address, code bytes)."""
from __future__ import annotations


class SharedCosts:
    """Wraps a cycle model's ``block(code, addr)`` with a memo; ``fresh`` holds the entries
    made in this process since the last ``take_fresh`` (what a branch sends back)."""

    def __init__(self, model):
        self.model = model
        self.memo: dict[tuple[int, bytes], object] = {}
        self.fresh: dict[tuple[int, bytes], object] = {}

    def __getattr__(self, name):
        return getattr(self.model, name)

    def block(self, code: bytes, addr: int):
        key = (addr, bytes(code))
        cost = self.memo.get(key)
        if cost is None:
            cost = self.memo[key] = self.fresh[key] = self.model.block(code, addr)
        return cost

    def take_fresh(self) -> dict:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def learn(self, entries: dict) -> None:
        self.memo.update(entries)


def share_costs(machine) -> SharedCosts:
    """Put a SharedCosts in front of ``machine``'s block clock's cycle model."""
    shared = SharedCosts(machine.clock.model)
    machine.clock.model = shared
    return shared
