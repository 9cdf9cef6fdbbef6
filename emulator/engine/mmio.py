"""Device pages: memory whose firmware loads and stores call a device, with a shadow for the host.

Peripheral pages are mapped with Unicorn's ``mmio_map`` (cpu.UnicornCpu.map_device): only their
own accesses take the engine's slow path, where any memory hook, however range-limited, sends
every load and store of the program there (measured: tools/hookcost.py, README "Engine facts").
The engine calls the page for host reads and writes too (uc_mem_read/uc_mem_write); those must
not reach the device (a host read of a UART data register would pop a byte), so they see a
shadow instead: the bytes the firmware last stored or loaded there, as the plain memory that
backed peripheral windows before showed them.
"""
from __future__ import annotations

from typing import Callable

# read(addr, size) -> the value a firmware load gets, or None: the page acts as plain memory there
DeviceRead = Callable[[int, int], "int | None"]
DeviceWrite = Callable[[int, int, int], None]


class DevicePage:
    """One device-mapped range [base, base + size) and its shadow bytes."""

    def __init__(self, base: int, size: int, big_endian: bool, read: DeviceRead,
                 write: DeviceWrite):
        self.base, self.size = base, size
        self.order = "big" if big_endian else "little"
        self.read, self.write = read, write
        self.shadow = bytearray(size)

    def load(self, offset: int, size: int, host: bool) -> int:
        """A load of ``size`` bytes at ``base + offset`` (from the host: the shadow only)."""
        value = None if host else self.read(self.base + offset, size)
        if value is None:
            return int.from_bytes(self.shadow[offset:offset + size], self.order)
        value &= (1 << (8 * size)) - 1
        self.shadow[offset:offset + size] = value.to_bytes(size, self.order)
        return value

    def store(self, offset: int, size: int, value: int, host: bool) -> None:
        """A store; the device sees it only if the firmware made it."""
        value &= (1 << (8 * size)) - 1
        if not host:
            self.write(self.base + offset, size, value)
        self.shadow[offset:offset + size] = value.to_bytes(size, self.order)
