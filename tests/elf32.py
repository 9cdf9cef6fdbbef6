"""A minimal ELF32 writer for loader tests: one PT_LOAD segment per (address, bytes) pair."""
from __future__ import annotations

import struct

EM_ARM, EM_PPC = 40, 20


def make_elf(segments: list[tuple[int, bytes]], machine: int = EM_ARM, entry: int = 0,
             big_endian: bool = False) -> bytes:
    e = ">" if big_endian else "<"
    phoff, phnum = 52, len(segments)
    data_off = phoff + 32 * phnum
    header = struct.pack(f"{e}16sHHIIIIIHHHHHH",
                         b"\x7fELF" + bytes([1, 2 if big_endian else 1, 1]) + b"\0" * 9,
                         2, machine, 1, entry, phoff, 0, 0x5000000 if machine == EM_ARM else 0,
                         52, 32, phnum, 40, 0, 0)
    phdrs, blobs, off = b"", b"", data_off
    for addr, blob in segments:
        phdrs += struct.pack(f"{e}8I", 1, off, addr, addr, len(blob), len(blob), 5, 4)
        blobs += blob
        off += len(blob)
    return header + phdrs + blobs
