"""Periodic interrupt timer (PIT) of MPC5604B-class parts, counting model cycles.

MPC5604B RM chapter "Periodic Interrupt Timer (PIT)": PITMCR +0x000 (MDIS 0x2: module disabled,
the reset state), channel n at +0x100 + 0x10 n: LDVAL +0, CVAL +4, TCTRL +8 (TEN 1, TIE 2),
TFLG +0xC (TIF 1, write 1 to clear).  A running channel times out every LDVAL + 1 cycles and
reloads LDVAL (a new LDVAL takes effect at the next reload).  Channel n drives its output
line (``outputs[n]``, wired by the board: ``irq = "intc@59"`` gives channel n INTC source
59 + n) as a level while TIF and TIE are both set.
"""
from __future__ import annotations

from . import Peripheral
from .irq import IrqLine
from .registers import Register
from .timer import DownCounter

MDIS = 0x2
TEN, TIE, TIF = 0x1, 0x2, 0x1
CHANNEL_BASE, CHANNEL_STRIDE = 0x100, 0x10


def _channel_register(offset: int, name: str, access: str = "rw", **kw) -> Register:
    return Register(CHANNEL_BASE + offset, name, access, count="n_channels",
                    stride=CHANNEL_STRIDE, **kw)


class PitChannel:
    """One down-counting channel; ``counter`` wraps every ``ldval + 1`` cycles while running."""

    def __init__(self, name: str):
        self.counter = DownCounter()
        self.ldval = 0
        self.tctrl = 0
        self.tif = False
        self.irq = IrqLine(name)

    def level(self) -> bool:
        return self.tif and bool(self.tctrl & TIE)


class Pit(Peripheral):
    """PIT module: ``channels`` channels, each with its interrupt output."""

    kind = "mpc5604b-pit"
    # MPC5604B RM, PIT memory map: PITMCR, then LDVALn/CVALn/TCTRLn/TFLGn per channel
    registers = (
        Register(0x000, "MCR", write="_write_mcr", mask=0x3, reset=MDIS),
        _channel_register(0x0, "LDVAL", read="_read_ldval", write="_write_ldval"),
        _channel_register(0x4, "CVAL", "r", read="_read_cval"),
        _channel_register(0x8, "TCTRL", read="_read_tctrl", write="_write_tctrl", mask=0x3),
        _channel_register(0xC, "TFLG", "w1c", read="_read_tflg", write="_clear_tflg"),
    )

    def __init__(self, name: str, base: int, size: int, channels: int = 4, **params):
        super().__init__(name, base, size, **params)
        self.channels = [PitChannel(f"{name}.ch{n}") for n in range(channels)]
        self.n_channels = channels
        self.outputs = tuple(ch.irq for ch in self.channels)
        self.map_registers()

    def running(self, ch: PitChannel) -> bool:
        return bool(ch.tctrl & TEN) and not self.mcr & MDIS

    # registers ---------------------------------------------------------------------------------
    def _read_ldval(self, n: int, now: int) -> int:
        return self.channels[n].ldval

    def _read_tctrl(self, n: int, now: int) -> int:
        return self.channels[n].tctrl

    def _read_tflg(self, n: int, now: int) -> int:
        return int(self.channels[n].tif)

    def _clear_tflg(self, n: int, value: int, now: int) -> None:
        if value & TIF:
            self.channels[n].tif = False

    def _write_mcr(self, value: int, now: int) -> None:
        was = [self.running(ch) for ch in self.channels]
        self.mcr = value
        for ch, before in zip(self.channels, was):
            self._switch(ch, before, now)

    def _write_ldval(self, n: int, value: int, now: int) -> None:
        """MPC5604B RM, PIT LDVALn: writing a new value does not restart the timer; it is loaded
        at the next timeout (the current period runs out first).  Only disabling and enabling
        the channel (TEN 0 -> 1, ``_switch``) starts a period with the new value at once."""
        ch = self.channels[n]
        nxt = ch.counter.next_wrap() if self.running(ch) else None
        ch.ldval = ch.counter.reload = value
        if nxt is not None:
            ch.counter.start(now, nxt - now)

    def _write_tctrl(self, n: int, value: int, now: int) -> None:
        ch = self.channels[n]
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

    def _read_cval(self, n: int, now: int) -> int:
        ch = self.channels[n]
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

    def sync(self, now: int) -> None:
        """Process timeouts up to ``now``: each sets its channel's TIF."""
        for ch in self.channels:
            if self.running(ch) and ch.counter.take_wraps(now):
                ch.tif = True

    def update_interrupts(self) -> None:
        """Each channel's line is asserted while its TIF and TIE are set."""
        for ch in self.channels:
            ch.irq.set(ch.level())
