"""Console UARTs: CMSDK APB UART (Cortex-M boards) and LINFlex-style (e200 boards)."""
from __future__ import annotations

from typing import Callable

from . import Peripheral
from .registers import Register


class CmsdkUart(Peripheral):
    """ARM CMSDK APB UART: DATA +0 (write transmits), STATE +4 (never full), CTRL +8.

    As on hardware (and QEMU), bytes written while CTRL.TXEN (bit 0) is clear are dropped;
    they are counted in ``dropped`` so the run summary can say why output is missing.
    """

    kind = "cmsdk-uart"
    # Cortex-M System Design Kit TRM (DDI 0479), APB UART programmers model
    registers = (
        Register(0x0, "DATA", "w", write="_transmit", mask=0xFF),
        Register(0x4, "STATE", "r"),                    # TX buffer never full
        Register(0x8, "CTRL", mask=0x7F),
    )

    def __init__(self, name: str, base: int, size: int, sink: Callable[[bytes], None], **params):
        super().__init__(name, base, size, **params)
        self.sink = sink
        self.dropped = 0
        self.map_registers()

    def _transmit(self, byte: int, now: int) -> None:
        if self.ctrl & 1:
            self.sink(bytes([byte]))
        else:
            self.dropped += 1


class LinflexUart(Peripheral):
    """LINFlex-style UART of MPC56xx parts: a byte written to BDRL (+0x38) transmits;
    UARTSR (+0x14) shows DTF (data transmission completed, bit 1) after a transmit."""

    kind = "linflex-uart"
    DTF = 0x2
    # MPC5604B RM, LINFlex memory map: UARTSR +0x14 (write 1 to clear), BDRL +0x38
    registers = (
        Register(0x14, "UARTSR", "w1c"),
        Register(0x38, "BDRL", "w", write="_transmit", mask=0xFF),
    )
    lanes = {"read_lanes": "big"}                       # big-endian bus: a byte read is its byte

    def __init__(self, name: str, base: int, size: int, sink: Callable[[bytes], None], **params):
        super().__init__(name, base, size, **params)
        self.sink = sink
        self.map_registers()

    def _transmit(self, byte: int, now: int) -> None:
        self.sink(bytes([byte]))
        self.uartsr |= self.DTF
