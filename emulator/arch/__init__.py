"""The architectures, one folder each (arm: Cortex-M, ppc: Book E), registered in one table.

Each folder's ``spec.py`` holds its facts as data (``spec.ArchSpec``); code outside
``emulator/arch/`` asks ``spec_for`` / ``by_elf_machine`` and never compares architecture names.
"""
from __future__ import annotations

import importlib

from .arm.spec import CORTEX_M
from .ppc.spec import BOOKE
from .spec import ArchSpec, EngineMode

ARCHES: dict[str, ArchSpec] = {s.name: s for s in (CORTEX_M, BOOKE)}

__all__ = ["ARCHES", "ArchSpec", "EngineMode", "access_decoder", "by_elf_machine", "by_folder",
           "core_class", "gdb_registers", "mask_decoder", "spec_for"]


def spec_for(name: str) -> ArchSpec:
    """The spec of architecture ``name`` (a board's or image's ``arch``); KeyError if unknown."""
    return ARCHES[name]


def by_elf_machine(machine: int) -> ArchSpec | None:
    return next((s for s in ARCHES.values() if s.elf_machine == machine), None)


def by_folder(folder: str) -> ArchSpec:
    """The spec whose folder is ``folder`` ('arm', 'ppc': firmware/ and tools/ use these)."""
    return next(s for s in ARCHES.values() if s.folder == folder)


def core_class(spec: ArchSpec) -> type:
    """The ArchCore class of ``spec``, imported on first use (it pulls in the engine)."""
    module, _, name = spec.core.partition(":")
    return getattr(importlib.import_module(module), name)


def access_decoder(spec: ArchSpec):
    """``decode(insn, write, name)`` of ``emulator/arch/<folder>/access.py`` (engine/accesspc.py)."""
    return importlib.import_module(f"{__name__}.{spec.folder}.access").decode


def mask_decoder(spec: ArchSpec):
    """``decode(code) -> MaskOp | None`` of ``emulator/arch/<folder>/masks.py`` (probes/masks.py)."""
    return importlib.import_module(f"{__name__}.{spec.folder}.masks").decode


def gdb_registers(spec: ArchSpec):
    """``emulator/arch/<folder>/gdbregs.py``: gdb's ARCHITECTURE name and ``features(fpu)``."""
    return importlib.import_module(f"{__name__}.{spec.folder}.gdbregs")
