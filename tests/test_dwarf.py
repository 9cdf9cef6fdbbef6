"""DWARF source positions: lazily loaded line tables, checked against binutils' addr2line.

The gcc images come from firmware/c (built with -g into a temporary directory); the keystone
images under firmware/ have no DWARF and must give no source at all.
"""
from __future__ import annotations

import json
import posixpath
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from emulator.load.dwarf import FileNames, rows_to_ranges
from emulator.load.image import load_image
from test_gcc_firmware import FIRMWARE, make_images, require_tool

ROOT = Path(__file__).resolve().parents[1]
ADDR2LINE = {"arm": "arm-none-eabi-addr2line", "ppc": "powerpc-linux-gnu-addr2line"}
CC = {"arm": "arm-none-eabi-gcc", "ppc": "powerpc-linux-gnu-gcc"}


@pytest.fixture(scope="module")
def gcc_images(tmp_path_factory) -> Path:
    for tool in CC.values():
        require_tool(tool)
    out = tmp_path_factory.mktemp("dwarf-firmware")
    make_images(out, "all")
    return out


def function_addresses(image) -> list[int]:
    step = 2 if image.arch == "cortex-m" else 4
    return sorted({a for s in image.symbols.by_name.values() if s.kind == "func" and s.size
                   for a in range(s.addr, s.addr + s.size, step)})


def addr2line(tool: str, elf: Path, addrs: list[int]) -> list[tuple[str, int] | None]:
    out = subprocess.run([tool, "-e", str(elf)] + [hex(a) for a in addrs], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    result = []
    for line in out:
        name, _, number = line.rpartition(":")
        number = number.split()[0]
        known = name != "??" and number not in ("?", "0")
        result.append((posixpath.normpath(name), int(number)) if known else None)
    return result


@pytest.mark.parametrize("arch,name", [("arm", "rtosdemo"), ("arm", "irqdemo"),
                                       ("ppc", "rtosdemo"), ("ppc", "irqdemo")])
def test_every_code_address_maps_to_the_same_file_and_line_as_addr2line(gcc_images, arch, name):
    tool = require_tool(ADDR2LINE[arch])
    elf = gcc_images / arch / f"{name}.elf"
    image = load_image(elf)
    addrs = function_addresses(image)
    assert len(addrs) > 300
    assert [image.source(a) for a in addrs] == addr2line(tool, elf, addrs)


def test_repository_relative_paths_come_from_the_prefix_map_and_name_the_source(gcc_images):
    image = load_image(gcc_images / "arm" / "rtosdemo.elf")
    file, line = image.source(image.symbols["pvPortMalloc"])
    assert file == "firmware/c/rtos/heap.c"
    lines = (ROOT / file).read_text().splitlines()
    assert (lines[line - 2], lines[line - 1]) == ("void *pvPortMalloc(size_t size)", "{")


def test_code_the_linker_discarded_does_not_claim_address_zero(gcc_images):
    # lib.c's memcpy/memset are gc'd: their line rows sit at address 0, the ARM vector table
    image = load_image(gcc_images / "arm" / "rtosdemo.elf")
    assert image.symbols.get("memcpy") is None
    assert image.source(0) is None and image.source(4) is None


def test_ppc_code_linked_at_address_zero_keeps_its_source(gcc_images):
    image = load_image(gcc_images / "ppc" / "rtosdemo.elf")
    assert image.source(0) == ("firmware/c/ppc/start.S", 40)        # _reset: b _start


def test_loading_an_image_decodes_no_dwarf_until_a_source_is_asked_for(gcc_images):
    image = load_image(gcc_images / "arm" / "rtosdemo.elf")
    assert image.lines is not None and not image.lines.loaded
    image.source(image.symbols["timer0_isr"])
    assert image.lines.loaded


def test_keystone_images_have_no_line_table_and_give_no_source():
    image = load_image(ROOT / "firmware" / "arm" / "isr_page_wait.elf")
    assert image.lines is None and image.source(image.symbols["systick_handler"]) is None


def test_findings_of_an_image_without_dwarf_have_a_null_source():
    proc = subprocess.run([sys.executable, "-m", "emulator", "run", "firmware/arm/isr_page_wait.elf",
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    findings = json.loads(proc.stdout)["findings"]
    assert findings and all(f["source"] is None for f in findings)


# --- pure unit tests of the file table and row ranges -----------------------------------------

def header(version: int, files, dirs) -> dict:
    entries = [SimpleNamespace(name=name, dir_index=index) for name, index in files]
    return {"version": version, "file_entry": entries, "include_directory": dirs}


def test_dwarf4_files_count_from_1_and_directory_0_is_the_compilation_directory():
    names = FileNames(header(4, [(b"main.c", 0), (b"hw.h", 1), (b"/abs/x.c", 1)], [b"./src/arm"]))
    assert [names.path(i) for i in (1, 2, 3)] == ["main.c", "src/arm/hw.h", "/abs/x.c"]


def test_dwarf5_files_count_from_0_and_directory_0_is_the_compilation_directory():
    names = FileNames(header(5, [(b"./a/main.c", 0), (b"main.c", 1), (b"../b.h", 1)],
                             [b"/build/dir", b"src"]))
    assert [names.path(i) for i in (0, 1, 2)] == ["a/main.c", "src/main.c", "b.h"]


def test_each_row_covers_up_to_the_next_and_rows_of_zero_length_drop_out():
    rows = [(0x10, ("a.c", 1)), (0x10, ("a.c", 2)), (0x14, ("a.c", 3))]
    assert rows_to_ranges(rows, 0x20) == [(0x10, 0x14, ("a.c", 2)), (0x14, 0x20, ("a.c", 3))]
