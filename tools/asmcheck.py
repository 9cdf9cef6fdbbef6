"""Build check: disassembles each assembled function with capstone and compares mnemonics to the source.

This catches keystone silently dropping or mis-encoding lines (e.g. `.inst.w` emits nothing).
"""
from __future__ import annotations

import re

import capstone

from tools.asm import AsmError
from tools.link import Placed

# Source spellings that capstone prints under another name.
_ALIASES = {
    "arm": {"stmia": "stm", "ldmia": "ldm", "stmea": "stm", "ldmfd": "ldm", "bcs": "bhs", "bcc": "blo",
            "movscs": "movshs", "adr": "adr"},
    "ppc": {"subi": "addi", "mbar": "eieio", "msync": "sync", "not": "nor", "mtsrr0": "mtspr",
            "mtsrr1": "mtspr", "mfsrr0": "mfspr", "mfsrr1": "mfspr", "clrrwi": "rlwinm",
            "subis": "addis", "cmpw": "cmpw", "la": "addi", "mtivpr": "mtspr", "mfsprg0": "mfspr",
            "mtsprg0": "mtspr"},
}
_DATA = (".word", ".short", ".byte", ".long", ".hword", ".ascii", ".asciz", ".string", ".space",
         ".ltorg", ".balign", ".align", ".zero", ".skip", ".pool")
_WILDCARD = (".inst", ".inst.w", ".inst.n")


def _disassembler(arch: str) -> capstone.Cs:
    if arch == "arm":
        return capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    return capstone.Cs(capstone.CS_ARCH_PPC, capstone.CS_MODE_32 | capstone.CS_MODE_BIG_ENDIAN)


def normalise(mnemonic: str, arch: str) -> str:
    m = mnemonic.lower()
    if arch == "arm":
        m = re.sub(r"\.(w|n)$", "", m)
    return _ALIASES[arch].get(m, m)


def expected_mnemonics(lines: list[str], arch: str) -> list[str]:
    """Mnemonics the source asks for, up to the first data directive ('?' = any instruction)."""
    out = []
    for line in lines:
        body = re.sub(r"^\s*\.L[\w$]*:\s*", "", line).strip()
        if not body:
            continue
        head = body.split(None, 1)[0].lower()
        if head in _WILDCARD:
            out.append("?")
        elif head in _DATA or head.startswith("."):
            break
        else:
            out.append(normalise(head, arch))
    return out


def check_function(placed: Placed, arch: str) -> None:
    """Raise AsmError when the disassembly disagrees with the source of ``placed``."""
    want = expected_mnemonics(placed.chunk.lines, arch)
    got = [(normalise(i.mnemonic, arch), i.address)
           for i in _disassembler(arch).disasm(placed.data, placed.addr)][: len(want)]
    for n, expect in enumerate(want):
        if n >= len(got):
            raise AsmError(f"{placed.chunk.origin} ({placed.chunk.name}): instruction {n + 1} "
                           f"{expect!r} missing from the assembled bytes (keystone dropped a line?)")
        mnem, addr = got[n]
        if expect not in ("?", mnem) and not _compatible(expect, mnem, arch):
            raise AsmError(f"{placed.chunk.origin} ({placed.chunk.name}): at 0x{addr:08x} source says "
                           f"{expect!r} but capstone decodes {mnem!r}")


def _compatible(expect: str, got: str, arch: str) -> bool:
    """Harmless spelling differences (PPC `bne 0,x` / `bne cr0`, ARM `push` as `stmdb sp!`)."""
    pairs = {("push", "stmdb"), ("pop", "ldm"), ("ldr", "ldr"), ("mov", "movw")} if arch == "arm" \
        else {("cmpw", "cmplw"), ("rlwinm", "clrlwi"), ("rlwinm", "slwi"), ("rlwinm", "srwi"),
              ("rlwinm", "rotlwi"), ("rlwinm", "clrrwi"), ("mtspr", "mtsrr0"), ("mtspr", "mtsrr1"),
              ("mfspr", "mfsrr0"), ("mfspr", "mfsrr1"), ("addi", "subi"), ("addi", "li"),
              ("ori", "nop"), ("or", "mr"), ("mr.", "or."), ("nor", "not"),
              ("rlwinm.", "clrrwi."), ("rlwinm", "rotlwi"), ("slwi", "rlwinm"), ("mbar", "eieio"), ("mtcr", "mtcrf"), ("mfxer", "mfspr"), ("mtxer", "mtspr"), ("mflr", "mfspr"), ("mtlr", "mtspr")}
    return (expect, got) in pairs


def check_all(placed: list[Placed], arch: str) -> int:
    """Check every function chunk; returns how many instructions were compared."""
    count = 0
    for p in placed:
        if p.chunk.kind == "func" and p.data:
            check_function(p, arch)
            count += len(expected_mnemonics(p.chunk.lines, arch))
    return count
