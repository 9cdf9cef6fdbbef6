"""Which INTC source an external-input interrupt serves: named at IVOR4 entry, decided at the IACKR read.

MPC5554 RM 10.4.3.1.1 (software vector mode): the core takes IVOR4 while the INTC asserts its
request (10.4.2); which source the interrupt serves is decided only when the handler reads
IACKR, which returns the vector of the highest-priority source asserted *then* and raises CPR
to its priority.  A source of higher priority that became pending between IVOR4 entry and the
read is the one acknowledged, and the source the entry was named for stays pending (it is
taken again after EOIR).  So an entry is named for the source asserted at entry, provisionally,
and re-attributed from the IACKR read on, with an ``InterruptAcknowledged`` event when the
acknowledged source is another one.  An IACKR read with nothing asserted (vector 0, CPR kept)
or outside an unacknowledged IVOR4 entry (thread code polling) changes no attribution.
"""
from __future__ import annotations

import struct

from ...events import InterruptAcknowledged
from . import booke as B


class Acknowledgements:
    """Names IVOR4 entries after their INTC source's ISR and re-attributes them at IACKR reads."""

    def __init__(self, core):
        self.core = core
        self._isr_names: dict[int, str | None] = {}

    def acknowledged(self, source: int | None, now: int) -> None:
        """The INTC's IACKR read acknowledged ``source`` (None: no request) at cycle ``now``."""
        active = self.core.active
        index = next((i for i in reversed(range(len(active))) if active[i].awaiting_ack), None)
        if index is None:
            return
        entered = active[index]
        if source is None or B.EXTERNAL_NUMBER_BASE + source == entered.number:
            active[index] = entered._replace(awaiting_ack=False)
            return
        number, name = B.EXTERNAL_NUMBER_BASE + source, B.interrupt_name(B.EXTERNAL_INPUT, source)
        handler = self.handler_name(entered.vector, source)
        active[index] = entered._replace(number=number, name=name, handler=handler,
                                         label=B.interrupt_label(number), awaiting_ack=False)
        m = self.core.host
        if m.recording():
            m.emit(InterruptAcknowledged(now, number, name, handler, self.core.context(),
                                         entered.number, entered.handler))

    def handler_name(self, target: int, source: int | None) -> str:
        """The ISR in the INTC's software vector table when it names a symbol, else the vector's."""
        core = self.core
        if source is not None and core.intc.vtba:
            addr = core.intc.vector_address(source)
            if core.cpu.is_mapped(addr, 4):
                name = self._isr_name(struct.unpack(">I", core.cpu.read(addr, 4))[0])
                if name is not None:
                    return name
        return core.host.describe(target)

    def _isr_name(self, isr: int) -> str | None:
        """The symbol starting at ``isr``, if any (memoised: a few ISRs are named again and again)."""
        if isr not in self._isr_names:
            sym = self.core.host.symbol_containing(isr)
            self._isr_names[isr] = sym.name if sym is not None and sym.addr == isr else None
        return self._isr_names[isr]
