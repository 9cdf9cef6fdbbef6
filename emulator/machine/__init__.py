"""The machine: composition root and run loop, its bus, clocked peripherals, frames and run limits."""
from .machine import Machine

__all__ = ["Machine"]
