"""Python reference model of the pool, page and heap allocators (the executable form of ABI.md)."""
from __future__ import annotations

PAGE_ATOMIC, PAGE_ZERO, PAGE_SIZE = 1, 2, 4096
HEAP_MIN_BLOCK = 16


class Memory:
    """Sparse little/big-endian-agnostic word memory (values, not bytes, except for zero checks)."""

    def __init__(self):
        self.bytes: dict[int, int] = {}

    def read(self, addr: int, n: int) -> bytes:
        return bytes(self.bytes.get(addr + i, 0) for i in range(n))

    def write(self, addr: int, data: bytes) -> None:
        for i, b in enumerate(data):
            self.bytes[addr + i] = b

    def load(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little")

    def store(self, addr: int, value: int) -> None:
        self.write(addr, (value & 0xFFFFFFFF).to_bytes(4, "little"))


class WouldBlock(Exception):
    """page_alloc without PAGE_ATOMIC on an empty allocator: the firmware would wait here."""


class RefModel:
    """Same call surface as the Machine: call(name, *args) -> int, read, write."""

    def __init__(self):
        self.mem = Memory()
        self.page_free_list: list[int] = []
        self.heap_start = self.heap_end = 0

    def read(self, addr: int, n: int) -> bytes:
        return self.mem.read(addr, n)

    def write(self, addr: int, data: bytes) -> None:
        self.mem.write(addr, data)

    def call(self, name: str, *args: int) -> int:
        return getattr(self, name)(*args) & 0xFFFFFFFF

    # pool ------------------------------------------------------------------------------------
    def pool_init(self, pool: int, buf: int, block_size: int, count: int) -> int:
        size = max(4, (block_size + 3) & ~3)
        for word, value in ((4, size), (8, count), (12, count)):
            self.mem.store(pool + word, value)
        self.mem.store(pool, buf if count else 0)
        for i in range(count):
            nxt = buf + (i + 1) * size if i + 1 < count else 0
            self.mem.store(buf + i * size, nxt)
        return pool

    def pool_alloc(self, pool: int) -> int:
        head = self.mem.load(pool)
        if head:
            self.mem.store(pool, self.mem.load(head))
            self.mem.store(pool + 12, self.mem.load(pool + 12) - 1)
        return head

    def pool_free(self, pool: int, block: int) -> int:
        if block:
            self.mem.store(block, self.mem.load(pool))
            self.mem.store(pool, block)
            self.mem.store(pool + 12, self.mem.load(pool + 12) + 1)
        return 0

    pool_alloc_nomask, pool_free_nomask = pool_alloc, pool_free

    # pages -----------------------------------------------------------------------------------
    def page_init(self, base: int, npages: int) -> int:
        base = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        self.page_free_list = [base + i * PAGE_SIZE for i in range(npages)]
        return 0

    def page_alloc(self, flags: int) -> int:
        if not self.page_free_list:
            if flags & PAGE_ATOMIC:
                return 0
            raise WouldBlock("page_alloc would wait for a free page")
        page = self.page_free_list.pop(0)
        if flags & PAGE_ZERO:
            self.mem.write(page, bytes(PAGE_SIZE))
        return page

    def page_free(self, page: int) -> int:
        if page:
            self.page_free_list.insert(0, page)
        return 0

    # heap ------------------------------------------------------------------------------------
    def heap_init(self, base: int, size: int) -> int:
        start, end = (base + 7) & ~7, ((base + size) & ~7) - 8
        self.mem.store(end, 1)
        self.mem.store(end + 4, 0)
        if end - start >= HEAP_MIN_BLOCK:
            self.mem.store(start, end - start)
            self.mem.store(start + 4, 0)
        else:
            start = end
        self.heap_start, self.heap_end = start, end
        return 0

    def _blocks(self):
        p = self.heap_start
        while (header := self.mem.load(p)) & ~7:
            yield p, header & ~7, header & 1
            p += header & ~7

    def heap_malloc(self, size: int) -> int:
        need = ((size + 7) & ~7) + 8
        if size == 0 or need > 0xFFFFFFFF:
            return 0
        for p, bsize, used in self._blocks():
            if used or bsize < need:
                continue
            if bsize - need >= HEAP_MIN_BLOCK:
                self.mem.store(p + need, bsize - need)
                self.mem.store(p, need | 1)
            else:
                self.mem.store(p, bsize | 1)
            return p + 8
        return 0

    def heap_free(self, ptr: int) -> int:
        if not ptr:
            return 0
        self.mem.store(ptr - 8, self.mem.load(ptr - 8) & ~1)
        p = self.heap_start
        while (header := self.mem.load(p)) & ~7:
            nxt = self.mem.load(p + header)
            if not header & 1 and not nxt & 1:
                self.mem.store(p, header + nxt)
                continue
            p += header & ~7
        return 0

    def heap_blocks(self) -> list[tuple[int, int, int]]:
        """(address, size, used) for every block, for tests."""
        return list(self._blocks())
