"""Peripheral registers as data: ``Register`` tables and the ``RegisterMap`` that serves them.

A peripheral declares its registers as a tuple of ``Register`` (offset, name, access, reset,
and the names of the small methods that give a register behaviour beyond storing a value); its
``RegisterMap`` dispatches every bus access by offset.  Unmapped offsets behave one way, here:
they read as zero and ignore writes (RAZ/WI), unless an extension claims them (``fallback``).

Accesses:
- ``r``    read-only: reads the field or the ``read`` method; writes are ignored.
- ``w``    write-only: reads as zero; writes go to the field or the ``write`` method.
- ``rw``   reads and writes the field (``value & mask``) or the methods.
- ``w1c``  reads the field; writing 1 to a bit clears it (``field &= ~(value & mask)``).
Method signatures: ``read(now)`` / ``write(value, now)``, or for an array register (``count``
entries ``stride`` bytes apart, ``count`` an int or the name of an owner attribute)
``read(index, now)`` / ``write(index, value, now)``.  ``mask`` is applied to every write.

Sub-word accesses (the size and order conventions differ per bus, so each map names its own):
``read_lanes`` None gives a narrow read the whole register (APB peripherals ignore PADDR[1:0]),
'little'/'big' the addressed bytes of it; ``write_lanes`` None hands a narrow write's value to
the register as it is, 'little' shifts it to the addressed bytes.  A register of ``width`` 1 is
byte-addressable (NVIC_IPR, INTC PSR): an access spanning several bytes is one access per byte,
assembled in ``byte_order``.  ``partial=False``: narrower or offset accesses are unmapped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ACCESSES = ("r", "w", "rw", "w1c")
WORD = 0xFFFFFFFF


@dataclass(frozen=True)
class Register:
    offset: int
    name: str
    access: str = "rw"
    reset: int = 0
    read: str | None = None          # method name, or None: the field
    write: str | None = None         # method name, or None: per ``access``
    mask: int = WORD                 # bits a write keeps
    count: int | str = 1             # array entries (an int or an owner attribute's name)
    stride: int = 4
    width: int = 4                   # bytes; 1: byte-addressable
    field: str | None = None         # owner attribute holding the value (default: name.lower())

    def __post_init__(self):
        if self.access not in ACCESSES:
            raise ValueError(f"register {self.name}: access {self.access!r} not in {ACCESSES}")

    @property
    def attr(self) -> str:
        return self.field or self.name.lower()

    def has_field(self) -> bool:
        """Whether a side of the register reads or writes the owner's field ``attr``."""
        reads = self.read is None and self.access != "w"
        return reads or (self.write is None and self.access in ("rw", "w1c"))

    def entries(self, owner) -> int:
        return getattr(owner, self.count) if isinstance(self.count, str) else self.count


class _Slot:
    """One bound register entry: the owner's reader and writer for it."""

    __slots__ = ("start", "width", "read", "write")

    def __init__(self, start: int, width: int, read: Callable, write: Callable):
        self.start, self.width, self.read, self.write = start, width, read, write


class RegisterMap:
    """Dispatches reads and writes of one peripheral's window to the registers of its table."""

    def __init__(self, owner, registers, read_lanes: str | None = None,
                 write_lanes: str | None = None, byte_order: str = "little",
                 partial: bool = True, fallback=None):
        self.owner, self.registers = owner, tuple(registers)
        self.read_lanes, self.write_lanes, self.order = read_lanes, write_lanes, byte_order
        self.partial, self.fallback = partial, fallback
        self._at: dict[int, _Slot] = {}
        for reg in self.registers:
            self._bind(reg)
        self.reset()

    def _bind(self, reg: Register) -> None:
        entries = reg.entries(self.owner)
        array = entries > 1 or isinstance(reg.count, str)
        for i in range(entries):
            start = reg.offset + i * reg.stride
            slot = _Slot(start, reg.width, _reader(self.owner, reg, array, i),
                         _writer(self.owner, reg, array, i))
            for b in range(reg.width):
                if start + b in self._at:
                    raise ValueError(f"register {reg.name}: offset 0x{start + b:x} mapped twice")
                self._at[start + b] = slot

    def reset(self) -> None:
        """Every field-backed single register takes its reset value."""
        for reg in self.registers:
            if reg.count == 1 and reg.has_field():
                setattr(self.owner, reg.attr, reg.reset)

    def slot(self, offset: int) -> _Slot | None:
        return self._at.get(offset)

    # accesses ---------------------------------------------------------------------------------
    def read(self, offset: int, size: int, now: int) -> int:
        slot = self._at.get(offset)
        if slot is None:
            return self._fallback_read(offset, size)
        if slot.width == 1 and size > 1:
            data = bytes(self.read(offset + i, 1, now) for i in range(size))
            return int.from_bytes(data, self.order)
        if not self.partial and (size != slot.width or offset != slot.start):
            return 0
        return self._lane(int(slot.read(now)), offset - slot.start, size, slot.width)

    def _lane(self, value: int, at: int, size: int, width: int) -> int:
        if self.read_lanes == "little":
            value >>= 8 * at
        elif self.read_lanes == "big":
            value >>= 8 * max(0, width - size - at)
        return value & ((1 << 8 * size) - 1)

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        slot = self._at.get(offset)
        if slot is None:
            self._fallback_write(offset, value)
        elif slot.width == 1 and size > 1:
            data = value.to_bytes(size, self.order)
            for i in range(size):
                self.write(offset + i, 1, data[i], now)
        elif self.partial or (size == slot.width and offset == slot.start):
            if self.write_lanes == "little":
                value <<= 8 * (offset - slot.start)
            slot.write(value, now)

    def _fallback_read(self, offset: int, size: int) -> int:
        word = offset & ~3
        if self.fallback is None or not self.fallback.owns(word):
            return 0                                  # unmapped: reads as zero
        return self._lane(self.fallback.read(word), offset - word, size, 4)

    def _fallback_write(self, offset: int, value: int) -> None:
        word = offset & ~3
        if self.fallback is not None and self.fallback.owns(word):  # unmapped: ignored
            if self.write_lanes == "little":
                value <<= 8 * (offset - word)
            self.fallback.write(word, value)


def _reader(owner, reg: Register, array: bool, i: int) -> Callable[[int], int]:
    if reg.access == "w":
        return lambda now: 0
    if reg.read is not None:
        method = getattr(owner, reg.read)
        return (lambda now: method(i, now)) if array else method
    if array:
        values = getattr(owner, reg.attr)
        return lambda now: values[i]
    attr = reg.attr
    return lambda now: getattr(owner, attr)


def _writer(owner, reg: Register, array: bool, i: int) -> Callable[[int, int], None]:
    mask = reg.mask
    if reg.write is not None:
        if reg.access == "r":
            raise ValueError(f"register {reg.name}: read-only with a write method")
        method = getattr(owner, reg.write)
        if array:
            return lambda value, now: method(i, value & mask, now)
        return lambda value, now: method(value & mask, now)
    if reg.access == "r":
        return lambda value, now: None                # read-only: writes ignored
    if reg.access == "w":
        raise ValueError(f"register {reg.name}: write-only needs a write method")
    return _field_writer(owner, reg, array, i)


def _field_writer(owner, reg: Register, array: bool, i: int) -> Callable[[int, int], None]:
    attr, mask, w1c = reg.attr, reg.mask, reg.access == "w1c"
    if array:
        values = getattr(owner, attr)

        def write_entry(value: int, now: int) -> None:
            values[i] = values[i] & ~(value & mask) if w1c else value & mask
        return write_entry

    def write_field(value: int, now: int) -> None:
        old = getattr(owner, attr)
        setattr(owner, attr, old & ~(value & mask) if w1c else value & mask)
    return write_field
