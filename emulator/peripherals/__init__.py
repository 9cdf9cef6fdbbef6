"""Memory-mapped peripheral models: pure Python, clocked by the machine's cycle count.

Contract of a peripheral (duck-typed, see ``Peripheral``): ``read(offset, size, now) -> int``
and ``write(offset, size, value, now)`` for accesses inside its window; timers also provide
``next_event() -> cycle | None`` (the next cycle at which they raise their interrupt) and
``advance(now) -> bool`` (process time up to ``now``; True if an interrupt edge happened).
``irq_level()`` says whether the line is still asserted (level-sensitive re-pend on return).
"""
from __future__ import annotations


class Peripheral:
    """Base: a register window that ignores writes and reads as zero."""

    kind = "peripheral"
    irq: int | None = None          # exception number this peripheral drives, if any

    def __init__(self, name: str, base: int, size: int, **params):
        self.name, self.base, self.size = name, base, size
        self.params = params

    def read(self, offset: int, size: int, now: int) -> int:
        return 0

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        pass

    def next_event(self) -> int | None:
        return None

    def advance(self, now: int) -> bool:
        return False

    def irq_level(self) -> bool:
        return False
