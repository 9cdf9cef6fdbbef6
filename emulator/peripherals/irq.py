"""Interrupt wires: a peripheral's output lines, the controller inputs they connect to, and the
machine's view of every controller (sampling latched inputs, levels for re-pending).

A peripheral owns its outputs (``IrqLine``, Renode's GPIO) and drives them from one method,
``update_interrupts()``; the bus connects each output to one input of an interrupt controller,
``controller.line(n)``, as the board names it (``irq = "nvic@8"``).  A controller contract
(``Nvic`` in arch/arm/nvic.py, ``Intc`` in peripherals/intc.py):
- ``controller_name``: what a board's ``irq = "<name>@<line>"`` calls it;
- ``line(n) -> input``: a new input for line n (ValueError when n is not a line of it); an
  input has ``set(level)``;
- ``sample() -> bool``: make the inputs latched since the last sample pending; True if any;
- ``input_level(number) -> bool``: whether a wired input of ``number`` is asserted now.
"""
from __future__ import annotations

from typing import Callable


class IrqLine:
    """An interrupt output.  ``set(level)`` drives it; a change goes to the connected input.
    ``rose`` latches a rising edge until ``take_rise()`` (a peripheral clocked on its own reports
    its edges through it; the controller at the other end has its own input latch)."""

    __slots__ = ("name", "level", "rose", "target")

    def __init__(self, name: str = ""):
        self.name, self.level, self.rose, self.target = name, False, False, None

    def connect(self, target) -> None:
        self.target = target
        if self.level:
            target.set(True)

    def set(self, level: bool) -> None:
        if level == self.level:
            return
        self.level = level
        self.rose |= level
        if self.target is not None:
            self.target.set(level)

    def pulse(self) -> None:
        """An event, not a level (SysTick's count to 0): asserted and negated at once."""
        self.set(True)
        self.set(False)

    def take_rise(self) -> bool:
        rose, self.rose = self.rose, False
        return rose


class LatchedInput:
    """A controller input that remembers an assertion until the controller samples it (the
    NVIC: ARMv7-M ARM B3.4.1, an asserted interrupt becomes pending and stays so)."""

    __slots__ = ("number", "level", "latched")

    def __init__(self, number: int):
        self.number, self.level, self.latched = number, False, False

    def set(self, level: bool) -> None:
        self.latched |= level and not self.level
        self.level = level

    def take(self) -> bool:
        latched, self.latched = self.latched, False
        return latched


class LevelInput:
    """A level-sensitive controller input (MPC5554 RM 10.4.2: a hardware source requests while
    its line is asserted): every change goes to ``apply(number, level)`` at once."""

    __slots__ = ("number", "level", "apply")

    def __init__(self, number: int, apply: Callable[[int, bool], None]):
        self.number, self.level, self.apply = number, False, apply

    def set(self, level: bool) -> None:
        self.level = level
        self.apply(self.number, level)


class Interrupts:
    """Every interrupt controller of a machine, as the clocked peripherals need them."""

    def __init__(self, controllers):
        self.controllers = list(controllers)

    def sample(self) -> bool:
        """Each controller takes its latched inputs; True if any became pending."""
        pended = False
        for c in self.controllers:
            if c.sample():
                pended = True
        return pended

    def level(self, number: int) -> bool:
        for c in self.controllers:
            if c.input_level(number):
                return True
        return False
