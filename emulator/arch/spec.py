"""What an architecture is, as data: the ArchSpec each arch folder fills in (archinfo's Arch)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineMode:
    """An engine's architecture and mode constants, by name: the engine's own module resolves
    them (``engine/cpu.py`` for Unicorn, ``engine/accesspc.py`` for Capstone, tools/ for Keystone),
    so this module imports no engine."""

    arch: str
    modes: tuple[str, ...]


@dataclass(frozen=True)
class ArchSpec:
    """The facts one architecture family contributes; everything outside ``emulator/arch/`` asks
    this instead of comparing architecture names."""

    name: str                             # board key 'arch', Image.arch
    folder: str                           # emulator/arch/<folder>, firmware/<folder>, tools/
    title: str
    core: str                             # "module:Class" of its ArchCore, imported when built
    elf_machine: int                      # ELF e_machine (gABI; EM_ARM 40, EM_PPC 20)
    big_endian: bool
    unicorn: EngineMode
    capstone: EngineMode
    keystone: EngineMode
    cpus: tuple[tuple[str, str], ...]     # board key 'cpu' -> the engine's UC_CPU_* model
    fpus: tuple[tuple[str, tuple[str, ...]], ...]   # board key 'cpu' -> its 'fpu' values, default first
    cycle_models: tuple[str, ...]         # board key 'cycle_model'
    default_board: str                    # the built-in board an ELF of this family runs on
    max_irqs: int                         # board key 'num_irq' upper bound
    arg_regs: tuple[str, ...]             # procedure-call standard: arguments, in order
    return_reg: str
    context_reg: str                      # the register telling thread from handler code
    register_aliases: tuple[tuple[str, str], ...]   # disassembler name -> our register name
    thumb_code_symbols: bool              # function symbols carry the Thumb bit (AAELF32 5.5.3)
    fp_abi_attribute: bool                # the image's FP-argument ABI is checked against the FPU
    reset_sp_in_vector: bool              # vector word 0 is the initial SP (a stack top is known)
    frame_on_store_update: bool           # a store may also move SP to its address (stwu r1)
    spin_code: bytes                      # branch-to-self, little/big endian as the core runs it
    required_peripherals: tuple[tuple[str, str], ...]   # (kind, what it is) every board needs
    peripheral_space: tuple[tuple[int, int], ...]   # where unclaimed accesses may become stubs


@dataclass(frozen=True)
class GdbReg:
    """One register of a gdb target description (emulator/arch/<folder>/gdbregs.py): its gdb
    name and width, the engine registers holding it (low part first; None: not readable while
    the core runs, reported unavailable), its XML type and group."""

    name: str
    bits: int
    parts: tuple[str, ...] | None
    type: str = "int"
    group: str = "general"
