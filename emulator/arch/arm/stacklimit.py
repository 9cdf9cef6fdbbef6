"""ARMv8-M stack limits (MSPLIM, PSPLIM): the fault Unicorn raises, and what is not modelled.

ARMv8-M's stack limit checks (Cortex-M33 TRM, Arm 100230, C.6 "Stack limit checking"): an
instruction that would move the stack pointer in use below its limit register takes UsageFault
STKOF (UFSR bit 4, CFSR bit 20) and leaves SP as it was.  Unicorn 2.1.4's Cortex-M33 checks that itself and raises engine
interrupt 19 (QEMU's EXCP_STKOF, measured) before the instruction runs.  Silicon also checks
the frame exception entry pushes; the sandbox pushes frames itself (exceptions.py) and cannot
read MSPLIM/PSPLIM through Unicorn 2.1.4's register API, so it does not: the first MSR that
sets a limit is reported as not modelled (a one-address hook on each MSR MSPLIM/PSPLIM the reset
scan finds, on ARMv8-M cores only).
"""
from __future__ import annotations

from ..segments import executable_segments, function_starts
from .thumbscan import sweep

UFSR_STKOF = 1 << 20               # CFSR bit 20
INTR_STKOF = 19                    # Unicorn's engine interrupt for it (QEMU EXCP_STKOF)
SYSM = {0x0A: "MSPLIM", 0x0B: "PSPLIM"}


def limit_writes(code: bytes, base: int, sync: frozenset[int]) -> list[tuple[int, int, str]]:
    """(address, source register, limit name) of each ``MSR MSPLIM/PSPLIM, Rn`` in ``code``:
    T1 ``11110011100 0 Rn | 10 0 0 10 00 SYSm`` (the v8-M MSR with mask 0b10)."""
    return [(i.addr, i.hw1 & 0xF, SYSM[i.hw2 & 0xFF]) for i in sweep(code, base, sync)
            if i.hw2 is not None and i.hw1 & 0xFFF0 == 0xF380 and i.hw2 & 0xFF00 == 0x8800
            and i.hw2 & 0xFF in SYSM]


class StackLimits:
    """Watches the MSRs that set a stack limit, for ``CortexMCore`` on an ARMv8-M board."""

    def __init__(self, cpu, host):
        self.cpu, self.host = cpu, host
        self.notes: list[str] = []
        self._noted: set[str] = set()

    def install(self, image, board) -> None:
        starts = function_starts(image)
        for seg in executable_segments(image, board):
            for addr, rn, name in limit_writes(seg.data, seg.addr, starts):
                self.cpu.on_code(lambda a, _, rn=rn, name=name: self._written(a, rn, name), addr, addr)

    def _written(self, pc: int, rn: int, name: str) -> None:
        value = self.cpu.reg(f"r{rn}") if rn < 13 else 0
        if value and name not in self._noted:
            self._noted.add(name)
            self.notes.append(f"{name} set to 0x{value:08x} at {self.host.describe(pc)}: "
                              "exception entry is not checked against it (instructions that move "
                              "SP below it take UsageFault STKOF)")
