"""PowerPC Book E (e200-class MCU) core: interrupt entry/return, SPR access, Book E timers."""
