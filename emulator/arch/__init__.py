"""The architectures: one folder each (arm: Cortex-M, ppc: Book E e200) with its core."""
