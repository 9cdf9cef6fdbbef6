"""fwsandbox: an emulated, interrupt-driven microcontroller sandbox for firmware ISR-safety checks."""
__version__ = "0.1.0"
