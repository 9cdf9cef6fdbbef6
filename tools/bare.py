"""The bare-Unicorn limit of tools/bench.py: an ELF on its board's memory map with no hooks at all.

The image's default board gives the core and the memory map (its memories, and its peripheral
windows as plain memory pages); the image runs from reset (Cortex-M: SP and PC from the vector
table at the board's VTOR) until the engine stops at its first BKPT or SVC (with no interrupt
hook, the semihosting exit ends the run there).  No interrupt is ever taken, so only images whose
result does not depend on interrupts run the same instructions here as under fwsandbox.  Run as
a whole process, start-up included, it is what a benchmark compares fwsandbox against:

    python tools/bare.py IMAGE          prints the PC it stopped at and the process CPU time
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import unicorn                                           # tools/ may use the engine directly

from emulator.arch import spec_for
from emulator.load.board import load_board
from emulator.load.image import load_image

PAGE = 0x1000


def build(path: str):
    """A Unicorn core with the image loaded on its default board, and its reset (sp, pc)."""
    image = load_image(path)
    spec = spec_for(image.arch)
    board = load_board(spec.default_board)
    mode = 0
    for name in spec.unicorn.modes:
        mode |= getattr(unicorn, name)
    uc = unicorn.Uc(getattr(unicorn, spec.unicorn.arch), mode)
    consts = getattr(unicorn, spec.unicorn.arch.replace("UC_ARCH_", "").lower() + "_const")
    uc.ctl_set_cpu_model(getattr(consts, dict(spec.cpus)[board.cpu]))
    for lo, hi in _spans(board):
        uc.mem_map(lo, hi - lo)
    for seg in image.segments:
        uc.mem_write(seg.addr, seg.data)
    vtor = getattr(board, "vtor", 0) or 0
    words = uc.mem_read(vtor, 8)
    return uc, int.from_bytes(words[:4], "little"), int.from_bytes(words[4:], "little")


def _spans(board) -> list[tuple[int, int]]:
    """Page-aligned [lo, hi) of every memory and peripheral window, overlaps merged."""
    spans = sorted([(r.base & ~(PAGE - 1), (r.base + r.size + PAGE - 1) & ~(PAGE - 1))
                    for r in board.memory] +
                   [(p.base & ~(PAGE - 1), (p.base + p.size + PAGE - 1) & ~(PAGE - 1))
                    for p in board.peripherals])
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def main(argv: list[str]) -> int:
    uc, sp, pc = build(argv[0])
    from unicorn import arm_const
    uc.reg_write(arm_const.UC_ARM_REG_SP, sp)
    try:
        uc.emu_start(pc, 0xFFFFFFFF)
    except unicorn.UcError as exc:                      # the BKPT of the semihosting exit
        if exc.errno != unicorn.UC_ERR_EXCEPTION:
            raise
    stopped = uc.reg_read(arm_const.UC_ARM_REG_PC)
    print(f"stopped at 0x{stopped:08x}, {time.process_time():.3f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
