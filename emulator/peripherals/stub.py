"""Unmodelled peripherals: stub registers, the access log that reports them, and poll watching."""
from __future__ import annotations

from . import Peripheral

POLL_KEYS_MAX = 256                # distinct (address, pc) read sites tracked before a reset
POLL_MIN_READS = 100               # reads of one site that make a poll loop
POLL_RECENT = 100_000              # cycles before the run's end its last read must lie within


class StubPeripheral(Peripheral):
    """A window of registers that read what was last written, or their declared reset value
    (``reset = { "0x0" = 0x83, "0x4" = 0x24003010 }``, offsets as strings; others read 0)."""

    kind = "stub"

    def __init__(self, name: str, base: int, size: int, reset=None, **params):
        super().__init__(name, base, size, **params)
        if not isinstance(reset, (dict, type(None))):
            raise ValueError(f"reset: expected a table of offset = value, got {reset!r:.40}")
        self.words: dict[int, int] = {}
        for key, value in (reset or {}).items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"reset.{key}: expected an integer register value")
            self.words[int(key, 0) & ~3] = value & 0xFFFFFFFF

    def read(self, offset: int, size: int, now: int) -> int:
        word = self.words.get(offset & ~3, 0)
        return (word >> (8 * (offset & 3))) & ((1 << (8 * size)) - 1)

    def write(self, offset: int, size: int, value: int, now: int) -> None:
        reg, shift, mask = offset & ~3, 8 * (offset & 3), (1 << (8 * size)) - 1
        word = self.words.get(reg, 0) & ~(mask << shift)
        self.words[reg] = (word | (value & mask) << shift) & 0xFFFFFFFF


class AccessLog:
    """Accesses to stubbed addresses: per address, reads, writes and the first accessing PC."""

    def __init__(self):
        self.entries: dict[int, list[int]] = {}       # addr -> [reads, writes, first pc]

    def note(self, addr: int, write: bool, pc: int) -> None:
        entry = self.entries.get(addr)
        if entry is None:
            entry = self.entries[addr] = [0, 0, pc]
        entry[1 if write else 0] += 1

    def lines(self, describe) -> list[str]:
        """One line per address, sorted: what the run touched that nothing models."""
        return [f"  0x{addr:08x}  read {reads:,}  written {writes:,}  first at {describe(pc)}"
                for addr, (reads, writes, pc) in sorted(self.entries.items())]


class PollWatch:
    """Counts MMIO reads per (address, pc): a run that ends while one site is read over and
    over is waiting for a register that never changes."""

    def __init__(self):
        self.sites: dict[tuple[int, int], list[int]] = {}   # (addr, pc) -> [reads, last cycle, value]

    def read(self, addr: int, pc: int, now: int, value: int) -> None:
        site = self.sites.get((addr, pc))
        if site is None:
            if len(self.sites) >= POLL_KEYS_MAX:
                self.sites.clear()
            site = self.sites[(addr, pc)] = [0, now, value]
        site[0] += 1
        site[1], site[2] = now, value

    def polled(self, now: int) -> tuple[int, int, int, int] | None:
        """(addr, pc, reads, value) of the site read most often, recently and unchanged."""
        recent = [(reads, addr, pc, value) for (addr, pc), (reads, last, value) in self.sites.items()
                  if reads >= POLL_MIN_READS and now - last <= POLL_RECENT]
        if not recent:
            return None
        reads, addr, pc, value = max(recent)
        return addr, pc, reads, value


def tested_bits(insns) -> int | None:
    """The mask a poll loop tests after its load, from the instructions that follow it: Thumb
    ``tst``/``ands`` #imm and ``lsls #n`` (bit 31-n), Book E ``andi.``/``andis.``."""
    for insn in insns:
        m, ops = insn.mnemonic.rstrip("."), insn.op_str.replace("#", "").split(",")
        try:
            last = int(ops[-1].strip(), 0)
        except ValueError:
            continue
        if m.startswith(("tst", "and")) and m not in ("andis",):
            return last & 0xFFFFFFFF
        if m == "andis":
            return (last << 16) & 0xFFFFFFFF
        if m.startswith("lsl") and len(ops) >= 2 and 0 < last < 32:
            return 1 << (31 - last)
    return None


def poll_text(addr: int, pc: int, reads: int, value: int, mask: int | None, where: str) -> str:
    """``firmware polls 0x40023800 (bit 17) at SystemInit+0x1c forever (... reads, ...)``."""
    bits = ""
    if mask:
        set_bits = [i for i in range(32) if mask >> i & 1]
        bits = f" (bit {set_bits[0]})" if len(set_bits) == 1 else f" (mask 0x{mask:x})"
    return (f"firmware polls 0x{addr:08x}{bits} at {where} forever ({reads:,} reads, "
            f"always 0x{value:x})")
