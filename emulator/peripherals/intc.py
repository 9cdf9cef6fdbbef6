"""MPC5554-style interrupt controller (INTC) in software vector mode: pure model, no engine.

MPC5554 RM chapter 10 (Interrupt Controller): MCR +0x00, CPR +0x08, IACKR +0x10, EOIR +0x18,
SSCIR0-7 +0x20..+0x27 (one byte each: SET 0x02 sets, CLR 0x01 clears the software source),
PSR0.. +0x40 (one priority byte per source, 0-15).  Reading IACKR returns VTBA + 4 x vector of
the highest-priority pending source, raises CPR to its priority and pushes the old CPR on the
LIFO (10.4.3.1.1); writing EOIR pops the LIFO into CPR.  The core's external input is asserted
while a pending source has priority > CPR (10.4.2).  Hardware sources are level-sensitive: a
peripheral's output is wired to ``line(source)`` (or a caller drives ``set_level``).
Hardware vector mode (MCR.HVEN) is not modelled.
Each IACKR read is reported to ``on_acknowledge(source, now)`` (None: no request was asserted):
in software vector mode it is that read, not the core's IVOR4 entry, that decides which source
the interrupt serves (10.4.3.1.1).
"""
from __future__ import annotations

from typing import Callable

from . import Peripheral
from .irq import LevelInput
from .registers import Register

MCR, CPR, IACKR, EOIR, SSCIR, PSR = 0x00, 0x08, 0x10, 0x18, 0x20, 0x40
SSCIR_SET, SSCIR_CLR = 0x02, 0x01
SOFTWARE_SOURCES = 8
VTBA_MASK = 0xFFFFF800          # VTES = 0: 4-byte entries, table 2 KiB aligned (MPC5554)
LIFO_DEPTH = 14
EVENT_NUMBER_BASE = 16          # InterruptEntered.number of source s is 16 + s (arch/ppc/booke.py)


class Intc(Peripheral):
    """Pending/priority state of every INTC source plus CPR and its LIFO; the board's "intc"."""

    kind = "mpc5554-intc"
    controller_name = "intc"
    # MPC5554 RM 10.3 memory map; words read big-endian by byte lane, SSCIR/PSR per byte
    registers = (
        Register(MCR, "MCR", mask=0x21),
        Register(CPR, "CPR", mask=0xF),
        Register(IACKR, "IACKR", read="_read_iackr", field="vtba", mask=VTBA_MASK),
        Register(EOIR, "EOIR", "w", write="_write_eoir"),
        Register(SSCIR, "SSCIR", read="_read_sscir", write="_write_sscir", count=SOFTWARE_SOURCES,
                 stride=1, width=1),
        Register(PSR, "PSR", field="priority", mask=0xF, count="sources", stride=1, width=1),
    )
    lanes = {"read_lanes": "big", "byte_order": "big"}

    def __init__(self, name: str, base: int, size: int, sources: int = 308,
                 on_acknowledge: Callable[[int | None, int], None] | None = None, **params):
        super().__init__(name, base, size, **params)
        self.on_acknowledge = on_acknowledge
        self.on_pend = None                     # on_pend(number, name): a source requests
        self.sources = sources
        self.lifo: list[int] = []
        self.priority = [0] * sources
        self.level = [False] * sources          # hardware request lines
        self.software = [False] * SOFTWARE_SOURCES
        self.requests: set[int] = set()         # sources with a request (line or SSCIR flag)
        self.inputs: dict[int, list[LevelInput]] = {}     # wired lines, by source
        self.controller = self
        self.map_registers()

    # the controller face (irq.py) ---------------------------------------------------------------
    def line(self, source: int) -> LevelInput:
        """A new input driving hardware source ``source`` (several inputs of one source: the
        source requests while any of them is asserted)."""
        if not 0 <= source < self.sources:
            raise ValueError(f"INTC source {source} out of range 0-{self.sources - 1}")
        inp = LevelInput(source, self._input_changed)
        self.inputs.setdefault(source, []).append(inp)
        return inp

    def _input_changed(self, source: int, level: bool) -> None:
        self.set_level(source, any(i.level for i in self.inputs[source]))

    def sample(self) -> bool:
        """Nothing to latch: hardware sources are levels (10.4.2), applied as they change."""
        return False

    def input_level(self, number: int) -> bool:
        return False

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
            if self.on_pend is not None and source not in self.requests:
                self.on_pend(EVENT_NUMBER_BASE + source, f"INTC{source}")
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

    # registers ----------------------------------------------------------------------------------
    def _read_iackr(self, now: int) -> int:
        return self.acknowledge(now)

    def _write_eoir(self, value: int, now: int) -> None:
        self.end_of_interrupt()

    def _read_sscir(self, n: int, now: int) -> int:
        return int(self.software[n])            # CLR reads as the flag

    def _write_sscir(self, n: int, byte: int, now: int) -> None:
        if byte & (SSCIR_SET | SSCIR_CLR):
            self.software[n] = bool(byte & SSCIR_SET)
            self._update(n)
