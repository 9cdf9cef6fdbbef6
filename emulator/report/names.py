"""Names for addresses in data: the object (a thread's stack array) holding an address."""
from __future__ import annotations

import bisect
from typing import Callable, Iterable


def object_namer(symbols: Iterable) -> Callable[[int], "str | None"]:
    """address -> the name of the sized data object holding it, or None.

    ``symbols`` are the image's symbols (``name``, ``addr``, ``size``, ``kind``); only
    ``object`` symbols with a size count (the latest-starting one when objects overlap).
    """
    objects = sorted((s.addr, s.addr + s.size, s.name) for s in symbols
                     if s.kind == "object" and s.size)
    starts = [start for start, _, _ in objects]

    def name_at(addr: int) -> str | None:
        i = bisect.bisect_right(starts, addr) - 1
        if i < 0 or addr >= objects[i][1]:
            return None
        return objects[i][2]
    return name_at
