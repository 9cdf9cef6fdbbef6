"""Firmware images: reproducible from source, accepted by binutils, complete symbols, expected exits."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["demo", "isr_page_wait", "isr_heap", "isr_stack_overflow", "nested_overflow",
             "pool_unmasked", "double_free"]
READELF = {"arm": "arm-none-eabi-readelf", "ppc": "powerpc-linux-gnu-readelf"}
ALLOCATORS = ["pool_init", "pool_alloc", "pool_free", "pool_alloc_nomask", "pool_free_nomask",
              "page_init", "page_alloc", "page_free", "heap_init", "heap_malloc", "heap_free"]


def images(arch: str) -> list[Path]:
    return sorted((ROOT / "firmware" / arch).glob("*.elf"))


ALL = [(arch, p) for arch in ("arm", "ppc") for p in images(arch)]
IDS = [f"{arch}/{p.stem}" for arch, p in ALL]


@pytest.fixture(scope="module")
def build():
    pytest.importorskip("keystone", reason="keystone-engine not installed (pip install '.[tools]')")
    from tools import build_firmware
    return build_firmware


@pytest.mark.parametrize("arch,elf", ALL, ids=IDS)
def test_committed_image_is_byte_identical_to_a_fresh_build(build, arch, elf):
    assert build.build_image(elf.with_suffix(".s"), arch) == elf.read_bytes()


def test_check_mode_names_an_image_that_differs(build, tmp_path, capsys):
    fw = tmp_path / "firmware" / "arm"
    shutil.copytree(ROOT / "firmware" / "arm", fw)
    shutil.copytree(ROOT / "allocators_asm", tmp_path / "allocators_asm")
    assert build.main(["--check", "arm/demo"], root=tmp_path) == 0
    (fw / "demo.elf").write_bytes(b"stale")
    assert build.main(["--check"], root=tmp_path) == 1
    assert "firmware/arm/demo.elf" in capsys.readouterr().err


def test_capstone_check_catches_a_line_keystone_silently_dropped(build):
    from tools.asm import AsmError
    from tools.asmcheck import check_all
    from tools.link import ARM_LAYOUT, link
    from tools.srcparse import parse
    src = ".text\n.type f, %function\nf:\n    .inst.w 0xf3ef8010\n    bx lr\n"
    placed = link(parse([("t.s", src)], "arm"), ARM_LAYOUT)
    with pytest.raises(AsmError, match="missing"):
        check_all(placed, "arm")


@pytest.mark.parametrize("arch,elf", ALL, ids=IDS)
def test_binutils_readelf_accepts_the_image(arch, elf):
    tool = shutil.which(READELF[arch])
    if tool is None:
        pytest.skip(f"{READELF[arch]} not installed")
    proc = subprocess.run([tool, "-a", "-W", str(elf)], capture_output=True, text=True)
    assert proc.returncode == 0 and "Error" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    assert "__isr_stack_base" in proc.stdout and "__isr_stack_top" in proc.stdout


@pytest.mark.parametrize("arch,elf", ALL, ids=IDS)
def test_image_exports_every_allocator_as_a_function_and_the_stack_bounds(arch, elf):
    from elftools.elf.elffile import ELFFile
    with elf.open("rb") as f:
        syms = {s.name: s for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}
    for name in ALLOCATORS:
        assert syms[name]["st_info"]["type"] == "STT_FUNC" and syms[name]["st_size"] > 0
        assert (syms[name]["st_value"] & 1) == (1 if arch == "arm" else 0)     # Thumb bit
    base, top = syms["__isr_stack_base"]["st_value"], syms["__isr_stack_top"]["st_value"]
    assert 0 < top - base <= 4096


@pytest.mark.parametrize("arch", ["arm", "ppc"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_has_an_image_and_an_expected_file(arch, name):
    fw = ROOT / "firmware" / arch
    if not (fw / f"{name}.s").exists():
        pytest.skip(f"firmware/{arch}/{name}.s not written yet")
    expected = json.loads((fw / f"{name}.expected").read_text())
    assert (fw / f"{name}.elf").exists()
    assert expected["exit"]["code"] == 0 and isinstance(expected["findings"], list)
    assert (name == "demo") == (expected["findings"] == [])
    for finding in expected["findings"]:
        assert {"kind", "function", "handler"} <= finding.keys()


@pytest.mark.parametrize("arch,elf", ALL, ids=IDS)
def test_scenario_runs_to_its_expected_exit(arch, elf):
    machine = pytest.importorskip("emulator.machine", reason="emulator.machine not importable yet")
    expected = json.loads(elf.with_suffix(".expected").read_text())
    from emulator.errors import BadInput
    try:
        m = machine.Machine.load(str(elf))
    except BadInput as exc:
        if "no such board" not in str(exc):
            raise
        pytest.skip(f"board not available yet: {exc}")
    result = m.run(max_cycles=20_000_000, timeout=30.0)
    assert (result.reason, result.code) == (expected["exit"]["reason"], expected["exit"]["code"]), result.message
    assert expected["output_contains"] in result.output
