"""The engine edge: Unicorn (cpu.py, its only importer), the block clock and its native helper, the cycle model, where in a block an access was."""
