"""Console UARTs: CMSDK APB UART (Cortex-M boards) and LINFlex-style (e200 boards)."""
from __future__ import annotations

from typing import Callable

from . import Peripheral


class CmsdkUart(Peripheral):
    """ARM CMSDK APB UART: DATA +0 (write transmits), STATE +4 (never full), CTRL +8.

    As on hardware (and QEMU), bytes written while CTRL.TXEN (bit 0) is clear are dropped;
    they are counted in ``dropped`` so the run summary can say why output is missing.
    """

    kind = "cmsdk-uart"

    def __init__(self, name: str, base: int, size: int, sink: Callable[[bytes], None], **params):
        super().__init__(name, base, size, **params)
        self.sink = sink
        self.ctrl = 0
        self.dropped = 0

    def read(self, offset: int, size: int, now: int) -> int:
        return self.ctrl if offset & ~3 == 0x8 else 0

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        reg = offset & ~3
        if reg == 0x0:
            self._transmit(value & 0xFF)
        elif reg == 0x8:
            self.ctrl = value & 0x7F

    def _transmit(self, byte: int) -> None:
        if self.ctrl & 1:
            self.sink(bytes([byte]))
        else:
            self.dropped += 1


class LinflexUart(Peripheral):
    """LINFlex-style UART of MPC56xx parts: a byte written to BDRL (+0x38) transmits;
    UARTSR (+0x14) shows DTF (data transmission completed, bit 1) after a transmit."""

    kind = "linflex-uart"
    DTF = 0x2

    def __init__(self, name: str, base: int, size: int, sink: Callable[[bytes], None], **params):
        super().__init__(name, base, size, **params)
        self.sink = sink
        self.uartsr = 0

    def read(self, offset: int, size: int, now: int) -> int:
        value = self.uartsr if offset & ~3 == 0x14 else 0
        return value if size == 4 else (value >> (8 * (3 - (offset & 3)))) & ((1 << 8 * size) - 1)

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        if offset & ~3 == 0x38:
            self.sink(bytes([value & 0xFF]))
            self.uartsr |= self.DTF
        elif offset & ~3 == 0x14:
            self.uartsr &= ~value                      # write 1 to clear
