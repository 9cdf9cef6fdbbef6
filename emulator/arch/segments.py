"""The code a reset-time scan reads: the image's segments in executable board memory."""
from __future__ import annotations


def executable_segments(image, board):
    """Each segment of ``image`` that starts in a board region with 'x' permission."""
    for seg in image.segments:
        region = board.region_of(seg.addr)
        if region is not None and "x" in region.perms:
            yield seg


def function_starts(image) -> frozenset[int]:
    """The addresses of the image's function symbols (where a Thumb sweep resynchronises)."""
    return frozenset(s.addr for s in image.symbols.by_name.values() if s.kind == "func")
