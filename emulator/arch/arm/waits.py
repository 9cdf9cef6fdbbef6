"""Memory wait states on a Cortex-M core: a documented approximation over zero-wait TRM counts.

The Cortex-M4 TRM's cycle counts (table 3-1) are "based on a system with zero wait states"; its
branch note adds that the pipeline reload is longer with "accesses to slower memory".  A board
gives each ``[[memory]]`` region ``wait_states = W`` (default 0: the mps2-style boards).  With
W > 0 the model charges, and only charges:

* instruction fetch: the core fetches 32-bit words (TRM 2.3.1, the I-Code bus); a word from a
  region with W wait states takes 1 + W cycles.  Inside a block the fetch unit streams the
  block's words from its start, one every 1 + W cycles, ahead of execution (no bound on the
  look-ahead); an instruction starts when its last word has arrived and the one before it is
  done.  With W = 0 no instruction ever waits, so the zero-wait counts are unchanged.
* a taken branch's refill: the target's fetch costs W more per word of the target instruction
  (1, or 2 for an unaligned 32-bit target); a register target's region is taken to be the
  branch's own (its address is known only when it runs).
* a literal load ``LDR Rt, [PC, #imm]``: its address is static, so W of the literal's region.

Not charged (the static model does not see them; the run report says so when any region has
wait states): data loads and stores through registers, a flash accelerator or cache (hit/miss),
and bus contention between fetch and data accesses.
"""
from __future__ import annotations

NOTE = ("memory wait states: instruction fetch, branch refill and PC-relative literal loads are "
        "charged; other data accesses are charged as zero-wait-state (no flash accelerator model)")


def fetch_stalls(addrs: list[int], sizes: list[int], cycles: list[int], wait: int) -> list[int]:
    """Per instruction, the cycles it waits for its fetch: the block's words stream in from its
    first instruction's last word, one every 1 + ``wait`` cycles (module docstring)."""
    if not addrs or wait <= 0:
        return [0] * len(addrs)
    first_word = (addrs[0] + sizes[0] - 1) // 4
    stalls, t = [], 0
    for addr, size, spent in zip(addrs, sizes, cycles):
        ready = ((addr + size - 1) // 4 - first_word) * (1 + wait)
        stall = max(0, ready - t)
        stalls.append(stall)
        t += stall + spent
    return stalls


def target_words(unaligned: int) -> int:
    """Fetch words of a branch target's first instruction: 2 for an unaligned 32-bit one."""
    return 1 + unaligned
