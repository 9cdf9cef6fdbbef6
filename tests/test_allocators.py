"""One allocator behaviour table, run on the Python reference model, the Thumb-2 and the PowerPC code."""
from __future__ import annotations

from pathlib import Path

import pytest

from refmodel import PAGE_ATOMIC, PAGE_SIZE, PAGE_ZERO, RefModel, WouldBlock

ROOT = Path(__file__).resolve().parent.parent
REGION = {"ref": 0x20080000, "arm": 0x20080000, "ppc": 0x40080000}   # free SRAM above the images' .bss
POOL, BUF, PAGES, HEAP = 0x0, 0x100, 0x1000, 0x10000                # offsets inside the region
CALL_BUDGET = 20_000                                                 # cycles: "at once" means well below


class MachineTarget:
    """The Machine seen through the reference model's surface; every call has a cycle budget."""

    def __init__(self, machine):
        self.m = machine

    def call(self, name: str, *args: int) -> int:
        return self.m.call(name, *args, max_cycles=CALL_BUDGET, timeout=5.0)

    def read(self, addr: int, n: int) -> bytes:
        return self.m.read(addr, n)

    def write(self, addr: int, data: bytes) -> None:
        self.m.write(addr, data)


def _machine(arch: str):
    machine_mod = pytest.importorskip("emulator.machine", reason="emulator.machine not importable yet")
    image = ROOT / "firmware" / arch / "demo.elf"
    if not image.exists():
        pytest.skip(f"{image.relative_to(ROOT)} not built yet")
    from emulator.errors import BadInput
    try:
        return MachineTarget(machine_mod.Machine.load(str(image)))
    except BadInput as exc:
        if "no such board" not in str(exc):
            raise
        pytest.skip(f"board not available yet: {exc}")


@pytest.fixture(params=["ref", "arm", "ppc"])
def target(request):
    t = RefModel() if request.param == "ref" else _machine(request.param)
    return t, REGION[request.param]


def rel(value: int, base: int) -> int | None:
    """Pointers relative to the test region (0 stays None = NULL), so the ISAs compare equal."""
    return None if value == 0 else value - base


# --- the behaviour table: each case returns a transcript that must match on every target ---

def pool_exhausts_then_returns_null(t, r):
    t.call("pool_init", r + POOL, r + BUF, 30, 3)           # 30 rounds up to 32
    return [rel(t.call("pool_alloc", r + POOL), r) for _ in range(4)]


def pool_free_then_alloc_reuses_the_block(t, r):
    t.call("pool_init", r + POOL, r + BUF, 16, 4)
    a, b = t.call("pool_alloc", r + POOL), t.call("pool_alloc", r + POOL)
    t.call("pool_free", r + POOL, a)
    again = t.call("pool_alloc", r + POOL)
    t.call("pool_free", r + POOL, b)
    t.call("pool_free", r + POOL, 0)                         # NULL is ignored
    nfree = int.from_bytes(t.read(r + POOL + 12, 4), "little" if r < 0x40000000 else "big")
    return [rel(a, r), rel(b, r), rel(again, r), rel(t.call("pool_alloc", r + POOL), r), nfree]


def pool_nomask_variants_behave_the_same(t, r):
    t.call("pool_init", r + POOL, r + BUF, 8, 2)
    a = t.call("pool_alloc_nomask", r + POOL)
    b = t.call("pool_alloc_nomask", r + POOL)
    empty = t.call("pool_alloc_nomask", r + POOL)
    t.call("pool_free_nomask", r + POOL, a)
    return [rel(a, r), rel(b, r), rel(empty, r), rel(t.call("pool_alloc_nomask", r + POOL), r)]


def atomic_page_alloc_on_empty_returns_null_at_once(t, r):
    t.call("page_init", r + PAGES + 1, 2)                    # base rounds up to the next page
    got = [rel(t.call("page_alloc", PAGE_ATOMIC), r) for _ in range(3)]
    t.call("page_free", got[0] + r)
    return got + [rel(t.call("page_alloc", PAGE_ATOMIC), r)]


def page_zero_zeroes_and_plain_alloc_does_not(t, r):
    t.call("page_init", r + PAGES, 1)
    t.write(r + PAGES, b"\xaa" * PAGE_SIZE)
    plain = t.call("page_alloc", 0)
    kept = t.read(plain + 100, 4)
    t.call("page_free", plain)
    zeroed = t.call("page_alloc", PAGE_ZERO | PAGE_ATOMIC)
    return [rel(plain, r), kept.hex(), rel(zeroed, r), t.read(zeroed, PAGE_SIZE) == bytes(PAGE_SIZE)]


def heap_coalesces_adjacent_free_blocks(t, r):
    t.call("heap_init", r + HEAP, 0x100)
    a, b, c = (t.call("heap_malloc", 16) for _ in range(3))
    t.call("heap_free", a)
    t.call("heap_free", b)                                   # merges with a
    merged = t.call("heap_malloc", 40)                       # needs 48 = both 24-byte blocks
    t.call("heap_free", merged)
    t.call("heap_free", c)
    whole = t.call("heap_malloc", 0x100 - 16)                # everything back in one block
    return [rel(a, r), rel(b, r), rel(c, r), rel(merged, r), rel(whole, r)]


def heap_first_fit_and_alignment(t, r):
    t.call("heap_init", r + HEAP + 3, 0x200)                 # start rounds up to 8
    ptrs = [t.call("heap_malloc", n) for n in (1, 13, 100, 8)]
    t.call("heap_free", ptrs[2])
    first_fit = t.call("heap_malloc", 8)                     # lands in the freed 100-byte hole
    return [rel(p, r) for p in ptrs] + [rel(first_fit, r), all(p % 8 == 0 for p in ptrs),
                                         t.call("heap_malloc", 0), t.call("heap_malloc", 0x10000)]


TABLE = [
    (pool_exhausts_then_returns_null, [BUF, BUF + 32, BUF + 64, None]),
    (pool_free_then_alloc_reuses_the_block, [BUF, BUF + 16, BUF, BUF + 16, 3]),
    (pool_nomask_variants_behave_the_same, [BUF, BUF + 8, None, BUF]),
    (atomic_page_alloc_on_empty_returns_null_at_once, [PAGES + 0x1000, PAGES + 0x2000, None, PAGES + 0x1000]),
    (page_zero_zeroes_and_plain_alloc_does_not, [PAGES, "aaaaaaaa", PAGES, True]),
    (heap_coalesces_adjacent_free_blocks, [HEAP + 8, HEAP + 32, HEAP + 56, HEAP + 8, HEAP + 8]),
    (heap_first_fit_and_alignment, [HEAP + 16, HEAP + 32, HEAP + 56, HEAP + 168, HEAP + 56, True, 0, 0]),
]


@pytest.mark.parametrize("case,expected", TABLE, ids=[c.__name__ for c, _ in TABLE])
def test_allocator_behaviour_matches_the_table(target, case, expected):
    t, base = target
    assert case(t, base) == expected


def test_waiting_page_alloc_on_empty_blocks_instead_of_returning(target):
    t, base = target
    t.call("page_init", base + PAGES, 0)
    with pytest.raises((WouldBlock, RuntimeError)):
        t.call("page_alloc", 0)
