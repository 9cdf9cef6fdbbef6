"""Reading a user's input file safely: regular files only, bounded size, errors as BadInput.

A FIFO, a terminal or a character device (``/dev/zero``) given as an image, board, manifest
or baseline would block the read forever or fill the memory; so would a file of gigabytes.
``read_input`` refuses them with one line naming the file, before reading a byte.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import BadInput

MAX_IMAGE_BYTES = 64 << 20          # firmware images: far above any MCU's flash
MAX_TEXT_BYTES = 16 << 20           # boards, rules, manifests, baselines


def read_input(path: str | Path, what: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (``what`` names it in errors: 'image', ...)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such {what} file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise BadInput(f"{path}: cannot read {what}: {kind}")
        if info.st_size > limit:
            raise BadInput(f"{path}: {what} of {info.st_size:,} bytes is larger than the "
                           f"{limit >> 20} MiB limit")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise BadInput(f"{path}: {what} is larger than the {limit >> 20} MiB limit")
    return data


def read_text(path: str | Path, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """``read_input`` decoded as UTF-8 (a decoding error is a BadInput naming the offset)."""
    data = read_input(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                       f"offset {exc.start})") from None
