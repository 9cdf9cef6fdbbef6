"""Periodic interrupt timer (PIT) of MPC5604B-class parts, counting model cycles.

MPC5604B RM chapter "Periodic Interrupt Timer (PIT)": PITMCR +0x000 (MDIS 0x2: module disabled,
the reset state), channel n at +0x100 + 0x10 n: LDVAL +0, CVAL +4, TCTRL +8 (TEN 1, TIE 2),
TFLG +0xC (TIF 1, write 1 to clear).  A running channel times out every LDVAL + 1 cycles and
reloads LDVAL (a new LDVAL takes effect at the next reload).  Channel n drives INTC source
``first_source + n`` as a level while TIF and TIE are both set.
"""
from __future__ import annotations

from typing import Callable

from . import Peripheral
from .timer import DownCounter

MDIS = 0x2
TEN, TIE, TIF = 0x1, 0x2, 0x1
CHANNEL_BASE, CHANNEL_STRIDE = 0x100, 0x10


class PitChannel:
    """One down-counting channel; ``counter`` wraps every ``ldval + 1`` cycles while running."""

    def __init__(self):
        self.counter = DownCounter()
        self.ldval = 0
        self.tctrl = 0
        self.tif = False

    def level(self) -> bool:
        return self.tif and bool(self.tctrl & TIE)


class Pit(Peripheral):
    """PIT module; ``raise_line(source, level)`` drives the interrupt controller."""

    kind = "mpc5604b-pit"

    def __init__(self, name: str, base: int, size: int, raise_line: Callable[[int, bool], None],
                 channels: int = 4, first_source: int = 59, **params):
        super().__init__(name, base, size, **params)
        self.raise_line, self.first_source = raise_line, first_source
        self.channels = [PitChannel() for _ in range(channels)]
        self._driven: list[bool | None] = [None] * channels     # level last driven per line
        self.mcr = MDIS

    def running(self, ch: PitChannel) -> bool:
        return bool(ch.tctrl & TEN) and not self.mcr & MDIS

    # register interface ------------------------------------------------------------------------
    def read(self, offset: int, size: int, now: int) -> int:
        self.advance(now)
        if offset < CHANNEL_BASE:
            return self.mcr if offset & ~3 == 0 else 0
        ch, reg = self._channel(offset)
        if ch is None:
            return 0
        if reg == 0x4:
            return self._cval(ch, now)
        return {0x0: ch.ldval, 0x8: ch.tctrl, 0xC: int(ch.tif)}.get(reg, 0)

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        self.advance(now)
        if offset < CHANNEL_BASE:
            if offset & ~3 == 0:
                self._write_mcr(value & 0x3, now)
            return
        ch, reg = self._channel(offset)
        if ch is None:
            return
        if reg == 0x0:
            self._write_ldval(ch, value, now)
        elif reg == 0x8:
            self._write_tctrl(ch, value & 0x3, now)
        elif reg == 0xC and value & TIF:
            ch.tif = False
        self._drive()

    def _channel(self, offset: int):
        n, reg = divmod(offset - CHANNEL_BASE, CHANNEL_STRIDE)
        return (self.channels[n] if n < len(self.channels) else None), reg & ~3

    def _write_mcr(self, value: int, now: int) -> None:
        was = [self.running(ch) for ch in self.channels]
        self.mcr = value
        for ch, before in zip(self.channels, was):
            self._switch(ch, before, now)

    def _write_ldval(self, ch: PitChannel, value: int, now: int) -> None:
        """MPC5604B RM, PIT LDVALn: writing a new value does not restart the timer; it is loaded
        at the next timeout (the current period runs out first).  Only disabling and enabling
        the channel (TEN 0 -> 1, ``_switch``) starts a period with the new value at once."""
        nxt = ch.counter.next_wrap() if self.running(ch) else None
        ch.ldval = ch.counter.reload = value
        if nxt is not None:
            ch.counter.start(now, nxt - now)

    def _write_tctrl(self, ch: PitChannel, value: int, now: int) -> None:
        before = self.running(ch)
        ch.tctrl = value
        self._switch(ch, before, now)

    def _switch(self, ch: PitChannel, before: bool, now: int) -> None:
        """Enabling a channel loads LDVAL; disabling it stops the count."""
        after = self.running(ch)
        if after and not before:
            ch.counter.start(now, 0)            # first timeout after LDVAL + 1 cycles
        elif before and not after:
            ch.counter.stop(now)

    def _cval(self, ch: PitChannel, now: int) -> int:
        if not self.running(ch):
            return ch.counter.v0
        value = ch.counter.value(now)           # the counter's 0 is the reload (CVAL = LDVAL)
        return value - 1 if value else ch.counter.reload

    # clocking ----------------------------------------------------------------------------------
    def next_event(self) -> int | None:
        soonest = None
        for ch in self.channels:
            if self.running(ch):
                t = ch.counter.next_wrap()
                if t is not None and (soonest is None or t < soonest):
                    soonest = t
        return soonest

    def advance(self, now: int) -> bool:
        """Process timeouts up to ``now``; drive the INTC lines.  Never raises ``irq`` itself."""
        for ch in self.channels:
            if self.running(ch) and ch.counter.take_wraps(now):
                ch.tif = True
        self._drive()
        return False

    def _drive(self) -> None:
        """Drive every line whose level changed (all of them the first time): a line's level is
        the receiver's state, so re-driving an unchanged one would change nothing."""
        for n, ch in enumerate(self.channels):
            level = ch.level()
            if level != self._driven[n]:
                self._driven[n] = level
                self.raise_line(self.first_source + n, level)
