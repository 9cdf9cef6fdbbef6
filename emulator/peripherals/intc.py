"""MPC5554-style interrupt controller (INTC) in software vector mode: pure model, no engine.

MPC5554 RM chapter 10 (Interrupt Controller): MCR +0x00, CPR +0x08, IACKR +0x10, EOIR +0x18,
SSCIR0-7 +0x20..+0x27 (one byte each: SET 0x02 sets, CLR 0x01 clears the software source),
PSR0.. +0x40 (one priority byte per source, 0-15).  Reading IACKR returns VTBA + 4 x vector of
the highest-priority pending source, raises CPR to its priority and pushes the old CPR on the
LIFO (10.4.3.1.1); writing EOIR pops the LIFO into CPR.  The core's external input is asserted
while a pending source has priority > CPR (10.4.2).  Hardware sources are level-sensitive: a
peripheral drives its line with ``set_level``.  Hardware vector mode (MCR.HVEN) is not modelled.
Each IACKR read is reported to ``on_acknowledge(source, now)`` (None: no request was asserted):
in software vector mode it is that read, not the core's IVOR4 entry, that decides which source
the interrupt serves (10.4.3.1.1).
"""
from __future__ import annotations

from typing import Callable

from . import Peripheral

MCR, CPR, IACKR, EOIR, SSCIR, PSR = 0x00, 0x08, 0x10, 0x18, 0x20, 0x40
SSCIR_SET, SSCIR_CLR = 0x02, 0x01
SOFTWARE_SOURCES = 8
VTBA_MASK = 0xFFFFF800          # VTES = 0: 4-byte entries, table 2 KiB aligned (MPC5554)
LIFO_DEPTH = 14


class Intc(Peripheral):
    """Pending/priority state of every INTC source plus CPR and its LIFO."""

    kind = "mpc5554-intc"

    def __init__(self, name: str, base: int, size: int, sources: int = 308,
                 on_acknowledge: Callable[[int | None, int], None] | None = None, **params):
        super().__init__(name, base, size, **params)
        self.on_acknowledge = on_acknowledge
        self.sources = sources
        self.mcr = 0
        self.cpr = 0
        self.vtba = 0
        self.lifo: list[int] = []
        self.priority = [0] * sources
        self.level = [False] * sources          # hardware request lines
        self.software = [False] * SOFTWARE_SOURCES
        self.requests: set[int] = set()         # sources with a request (line or SSCIR flag)

    # pure state queries ----------------------------------------------------------------------
    def pending(self, source: int) -> bool:
        return source in self.requests

    def highest(self) -> int | None:
        """The pending source of highest priority (ties: lowest number), priority 0 never."""
        if not self.requests:
            return None
        best = None
        for s in sorted(self.requests):
            if self.priority[s] and (best is None or self.priority[s] > self.priority[best]):
                best = s
        return best

    def asserted(self) -> bool:
        """10.4.2: the interrupt request to the core: a pending source with priority > CPR."""
        s = self.highest()
        return s is not None and self.priority[s] > self.cpr

    def vector_address(self, source: int) -> int:
        return self.vtba + 4 * source

    # state changes ------------------------------------------------------------------------------
    def set_level(self, source: int, level: bool) -> None:
        self.level[source] = level
        self._update(source)

    def _update(self, source: int) -> None:
        if self.level[source] or (source < SOFTWARE_SOURCES and self.software[source]):
            self.requests.add(source)
        else:
            self.requests.discard(source)

    def acknowledge(self, now: int = 0) -> int:
        """10.4.3.1.1 IACKR read: vector of the asserted source, CPR raised, old CPR pushed."""
        s = self.highest()
        if s is None or self.priority[s] <= self.cpr:
            s = None                            # no request: vector 0, CPR unchanged
        else:
            if len(self.lifo) < LIFO_DEPTH:
                self.lifo.append(self.cpr)
            self.cpr = self.priority[s]
        if self.on_acknowledge is not None:
            self.on_acknowledge(s, now)
        return self.vtba if s is None else self.vector_address(s)

    def end_of_interrupt(self) -> None:
        """EOIR write: CPR takes the value popped from the LIFO."""
        self.cpr = self.lifo.pop() if self.lifo else 0

    # register interface ---------------------------------------------------------------------------
    def read(self, offset: int, size: int, now: int) -> int:
        if offset >= PSR or SSCIR <= offset < SSCIR + SOFTWARE_SOURCES:
            return int.from_bytes(bytes(self._byte(offset + i) for i in range(size)), "big")
        word = self._word(offset & ~3, now)
        shift = 8 * (4 - size - (offset & 3))
        return (word >> shift) & ((1 << 8 * size) - 1)

    def _word(self, reg: int, now: int) -> int:
        if reg == IACKR:
            return self.acknowledge(now)
        return {MCR: self.mcr, CPR: self.cpr}.get(reg, 0)

    def _byte(self, offset: int) -> int:
        if offset >= PSR:
            src = offset - PSR
            return self.priority[src] if src < self.sources else 0
        src = offset - SSCIR
        return int(self.software[src])          # CLR reads as the flag

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        if offset >= PSR or SSCIR <= offset < SSCIR + SOFTWARE_SOURCES:
            for i in range(size):
                self._write_byte(offset + i, (value >> 8 * (size - 1 - i)) & 0xFF)
            return
        reg = offset & ~3
        if reg == MCR:
            self.mcr = value & 0x21
        elif reg == CPR:
            self.cpr = value & 0xF
        elif reg == IACKR:
            self.vtba = value & VTBA_MASK
        elif reg == EOIR:
            self.end_of_interrupt()

    def _write_byte(self, offset: int, byte: int) -> None:
        if offset >= PSR:
            if offset - PSR < self.sources:
                self.priority[offset - PSR] = byte & 0xF
        elif byte & (SSCIR_SET | SSCIR_CLR):
            self.software[offset - SSCIR] = bool(byte & SSCIR_SET)
            self._update(offset - SSCIR)
