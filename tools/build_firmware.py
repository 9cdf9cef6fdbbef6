"""Builds every firmware image (firmware/<arch>/<name>.s + allocators) into ELF; --check verifies them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):                      # run as a script: python tools/build_firmware.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.arch import by_folder
from tools.asm import AsmError
from tools.asmcheck import check_all
from tools.elfwriter import (EM_ARM, EM_PPC, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, STB_GLOBAL,
                             STB_LOCAL, STT_FUNC, STT_NOTYPE, STT_OBJECT, ElfImage, ElfSymbol,
                             Section, write_elf)
from tools.link import ARM_LAYOUT, PPC_LAYOUT, Placed, link
from tools.srcparse import parse

ROOT = Path(__file__).resolve().parent.parent
ARCHES = {"arm": (ARM_LAYOUT, EM_ARM, "reset_handler"), "ppc": (PPC_LAYOUT, EM_PPC, "_start")}
FLAGS = {".vectors": SHF_ALLOC, ".text": SHF_ALLOC | SHF_EXECINSTR, ".rodata": SHF_ALLOC,
         ".bss": SHF_ALLOC | SHF_WRITE}


def sources_for(image: Path, arch: str, root: Path = ROOT) -> list[Path]:
    """The image's own file, then the shared runtime (firmware/<arch>/lib) and the allocators."""
    lib = sorted((root / "firmware" / arch / "lib").glob("*.s"))
    allocators = sorted((root / "allocators_asm" / arch).glob("*.s"))
    return [image, *lib, *allocators]


def _sections(placed: list[Placed]) -> list[Section]:
    out: dict[str, Section] = {}
    for p in placed:
        name = p.chunk.section
        sec = out.get(name)
        if sec is None:
            sec = out[name] = Section(name, p.addr, b"", FLAGS[name])
        gap = p.addr - (sec.addr + sec.size)
        if name == ".bss":
            sec.nobits_size = p.addr + p.size - sec.addr
        else:
            sec.data += b"\0" * gap + p.data
    return [s for s in out.values() if s.size]


def _symbols(placed: list[Placed], arch: str) -> list[ElfSymbol]:
    syms = []
    for p in placed:
        c = p.chunk
        bind = STB_GLOBAL if c.is_global else STB_LOCAL
        if c.kind == "func":
            value = p.addr | 1 if by_folder(arch).thumb_code_symbols else p.addr
            syms.append(ElfSymbol(c.name, value, p.size, STT_FUNC, c.section, bind))
        else:
            syms.append(ElfSymbol(c.name, p.addr, p.size, STT_OBJECT, c.section, bind))
        if by_folder(arch).thumb_code_symbols and c.section != ".bss":   # mapping symbols, AAELF32 5.5.5
            mapping = "$t" if c.kind == "func" else "$d"
            syms.append(ElfSymbol(mapping, p.addr, 0, STT_NOTYPE, c.section, STB_LOCAL))
    return syms


def build_image(image: Path, arch: str, root: Path = ROOT) -> bytes:
    """Assemble, link, verify and serialise one image; returns the ELF bytes."""
    layout, machine, entry_name = ARCHES[arch]
    files = [(str(p.relative_to(root)), p.read_text()) for p in sources_for(image, arch, root)]
    placed = link(parse(files, arch), layout)
    check_all(placed, arch)
    entry = next((p for p in placed if p.chunk.name == entry_name), None)
    if entry is None:
        raise AsmError(f"{image}: no entry symbol {entry_name!r}")
    img = ElfImage(machine, entry.addr | (1 if by_folder(arch).thumb_code_symbols else 0),
                   _sections(placed), _symbols(placed, arch))
    return write_elf(img)


def all_images(root: Path = ROOT) -> list[tuple[Path, str]]:
    return [(src, arch) for arch in ARCHES
            for src in sorted((root / "firmware" / arch).glob("*.s"))]


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="rebuild in memory; fail if a committed image differs")
    ap.add_argument("names", nargs="*", help="only these images (e.g. arm/demo)")
    args = ap.parse_args(argv)
    failed = 0
    for src, arch in all_images(root):
        if args.names and f"{arch}/{src.stem}" not in args.names:
            continue
        out = src.with_suffix(".elf")
        try:
            blob = build_image(src, arch, root)
        except AsmError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = 1
            continue
        rel = out.relative_to(root)
        if args.check:
            if not out.exists() or out.read_bytes() != blob:
                print(f"{rel}: differs from a fresh build (run tools/build_firmware.py)", file=sys.stderr)
                failed = 1
            continue
        out.write_bytes(blob)
        print(f"wrote {rel} ({len(blob)} bytes)")
    return failed


if __name__ == "__main__":
    sys.exit(main())
