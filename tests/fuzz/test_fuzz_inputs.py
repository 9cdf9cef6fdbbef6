"""Fuzzing the inputs a user gives fwsandbox: every one must end in a one-line error (exit 2)
or a verdict (exit 0/1), never a traceback, a crash, a hang or a memory blow-up (issue 21).

Families: mutated ELF images, raw binaries, boards, `check` manifests/baselines/options and
hostile firmware.  The 'fast' profile (fixed seed) runs in `make test`; `make fuzz` runs the
'long' one (tests/fuzz/long.py)."""
from __future__ import annotations

import json
import os
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from . import inputs
from .conftest import examples
from .harness import run_cli, check

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fuzz harness forks")
ROOT = inputs.ROOT
DEMO = {"cortex-m": ROOT / "firmware/arm/demo.elf", "ppc-booke": ROOT / "firmware/ppc/demo.elf"}
RULES = ROOT / "firmware/c/rules/rtos.toml"
TIMEOUT = float(os.environ.get("FWSANDBOX_FUZZ_TIMEOUT", "1.0"))   # --timeout of each run


def _file(data: bytes | str, suffix: str) -> str:
    fd, name = tempfile.mkstemp(prefix="fuzz-", suffix=suffix)
    with os.fdopen(fd, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    return name


# images -----------------------------------------------------------------------------------
@settings(**examples(0.35))
@given(inputs.mutated_elf(), st.sampled_from(["run", "run", "report"]), st.booleans())
def test_a_mutated_elf_image_is_an_error_or_a_verdict(mutated, command, plot):
    data, seed = mutated
    path = _file(data, ".elf")
    args = [command, path, "--timeout", TIMEOUT, "--max-cycles", 5_000_000]
    if "rtosdemo" in seed.name and RULES.exists():
        args += ["--rules", RULES]
    if command == "report" and plot:
        args += ["--plot", "/nonexistent/dir/x.svg" if len(data) % 2 else path + ".svg"]
    try:
        check(run_cli("image", args, TIMEOUT))
    finally:
        for leftover in (path, path + ".svg"):
            if os.path.exists(leftover):
                os.unlink(leftover)


@settings(**examples(0.1))
@given(st.binary(min_size=0, max_size=4096), st.sampled_from(["cortex-m4", "e200-mcu"]),
       st.one_of(st.sampled_from([0, 0x100, 0x20000000, 0x40000000, 0xFFFFF000, -1, 2**32]),
                 st.integers(0, 0xFFFFFFFF)))
def test_a_raw_binary_at_any_base_is_an_error_or_a_verdict(blob, board, base):
    path = _file(blob, ".bin")
    try:
        check(run_cli("raw", ["run", path, "--board", board, "--base", str(base),
                              "--timeout", TIMEOUT, "--max-cycles", 5_000_000], TIMEOUT))
    finally:
        os.unlink(path)


def test_special_files_as_the_image_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo.elf"
    os.mkfifo(fifo)
    for image in (fifo, "/dev/zero", tmp_path, "/nonexistent.elf"):
        result = run_cli("image", ["run", image, "--timeout", TIMEOUT], TIMEOUT)
        check(result)
        assert result.exit == 2 and result.seconds < 2


def test_limits_that_no_run_can_use_are_one_line_errors():
    for extra in (["--timeout", "nan"], ["--timeout", "1e308"], ["--base", "-1"],
                  ["--base", "0x100"], ["--max-cycles", str(2**70)], ["--timeout", "inf"]):
        result = run_cli("options", ["run", DEMO["cortex-m"], *extra], 2.0, budget=15.0)
        check(result)


# boards ------------------------------------------------------------------------------------
@settings(**examples(0.3))
@given(inputs.mutated_board())
def test_a_mutated_board_is_an_error_or_a_verdict(board):
    text, arch = board
    path = _file(text, ".toml")
    try:
        check(run_cli("board", ["run", DEMO[arch], "--board", path, "--timeout", TIMEOUT,
                                "--max-cycles", 5_000_000], TIMEOUT))
    finally:
        os.unlink(path)


# check: manifests, baselines, options -------------------------------------------------------
IMAGES = ["firmware/arm/demo.elf", "firmware/arm/isr_page_wait.elf", "firmware/ppc/demo.elf",
          "firmware/arm/*.elf", "missing.elf", "", 7]


def baseline_doc() -> st.SearchStrategy:
    number = st.one_of(st.integers(0, 500), st.integers(-2**80, 2**1100), st.floats(), st.text(max_size=3),
                       st.none(), st.lists(st.integers(), max_size=2))
    entry = st.fixed_dictionaries({
        "board": st.sampled_from(["cortex-m4", "e200-mcu", 3]),
        "cycle_model": st.text(max_size=5),
        "findings": st.one_of(st.just([]), st.lists(st.dictionaries(st.sampled_from(["kind", "function", "location", "handler"]), st.text(max_size=4)), max_size=2), st.text(max_size=2)),
        "allocations": st.one_of(st.dictionaries(st.sampled_from(["page_alloc", "heap_malloc", "heap_free"]),
                                                 st.one_of(st.dictionaries(st.sampled_from(["thread", "systick_handler"]),
                                                                           st.one_of(st.fixed_dictionaries({"max": number, "p99": number}), number), max_size=2), number), max_size=3), number),
        "stacks": st.one_of(st.dictionaries(st.just("isr"), st.one_of(st.fixed_dictionaries({"high_water": number}), number)), number),
    })
    return st.one_of(
        st.fixed_dictionaries({"schema": st.sampled_from(["fwsandbox-baseline/1", "x"]),
                               "images": st.dictionaries(st.sampled_from(IMAGES[:3] + ["demo"]), entry, max_size=3)}),
        st.integers(0, 3000).map(lambda depth: "[" * depth + "]" * depth),
        st.binary(max_size=40))


@st.composite
def check_inputs(draw, tmp: Path):
    manifest = {"image": draw(st.lists(st.fixed_dictionaries(
        {"path": st.sampled_from(IMAGES)},
        optional={"name": st.one_of(st.text(min_size=1, max_size=5), st.integers()),
                  "board": st.sampled_from(["cortex-m4", "e200-mcu", "nope.toml", ""]),
                  "rules": st.sampled_from(["firmware/c/rules/rtos.toml", "missing.toml"]),
                  "extra": st.integers()}), min_size=0, max_size=3))}
    if draw(st.booleans()):
        manifest["defaults"] = draw(st.fixed_dictionaries({}, optional={
            "board": st.sampled_from(["cortex-m4", "e200-mcu", 5]), "rules": st.just("x.toml")}))
    text = inputs.to_toml(manifest)
    if draw(st.integers(0, 20)) == 0:
        depth = draw(st.integers(100, 3000))
        text = "x = " + "[" * depth + "]" * depth + "\n"
    (tmp / "fuzz.toml").write_text(text)
    for image in ("firmware/arm/demo.elf", "firmware/arm/isr_page_wait.elf", "firmware/ppc/demo.elf"):
        (tmp / image).parent.mkdir(parents=True, exist_ok=True)
        if not (tmp / image).exists():
            os.symlink(ROOT / image, tmp / image)
    (tmp / "firmware/c/rules").mkdir(parents=True, exist_ok=True)
    if not (tmp / "firmware/c/rules/rtos.toml").exists():
        os.symlink(RULES, tmp / "firmware/c/rules/rtos.toml")
    args = ["check", tmp / "fuzz.toml" if draw(st.integers(0, 4)) else ROOT / "firmware/arm/demo.elf"]
    baseline = draw(baseline_doc())
    if draw(st.booleans()):
        path = tmp / "baseline.json"
        path.write_bytes(baseline if isinstance(baseline, bytes) else json.dumps(baseline).encode()
                         if not isinstance(baseline, str) else baseline.encode())
        args += ["--baseline", path]
        if draw(st.integers(0, 3)) == 0:
            args += ["--update-baseline"]
    elif draw(st.integers(0, 3)) == 0:
        args += ["--baseline", draw(st.sampled_from(["/nonexistent/b.json", "/proc/version", str(tmp)])),
                 "--update-baseline"]
    options = draw(st.lists(st.sampled_from([
        ("--tolerance", st.sampled_from(["0", "5", "nan", "inf", "-1", "1e308", "1e-300"])),
        ("--jobs", st.sampled_from(["1", "2", "0", "-3"])),
        ("--shard", st.sampled_from(["1/2", "2/2", "3/2", "0/0", "x", "1/1"])),
        ("--junit", st.sampled_from([str(tmp / "j.xml"), "/nonexistent/j.xml", str(tmp), "/proc/version"])),
        ("--sarif", st.sampled_from([str(tmp / "s.sarif"), "/nonexistent/s.sarif"])),
    ]), max_size=3, unique_by=lambda o: o[0]))
    for flag, values in options:
        args += [flag, draw(values)]
    return args


@settings(**examples(0.1))
@given(st.data())
def test_check_inputs_are_an_error_or_a_verdict(data):
    with tempfile.TemporaryDirectory(prefix="fuzz-check-") as tmp:
        args = data.draw(check_inputs(Path(tmp)))
        args += ["--timeout", TIMEOUT, "--max-cycles", 5_000_000]
        check(run_cli("check", args, TIMEOUT, budget=3 * TIMEOUT + 4.0))


# hostile firmware -----------------------------------------------------------------------------
def _arm_elf(name: str, params: tuple[int, ...], sp: int | None) -> bytes:
    from elf32 import make_elf
    code, offsets = inputs.arm_template(name)
    code = inputs.patch(code, offsets, params, "<")
    if sp is not None:
        code = struct.pack("<I", sp) + code[4:]
    return make_elf([(0, code)])


@settings(**examples(0.15))
@given(st.data())
def test_hostile_cortex_m_firmware_ends_within_its_limits(data):
    name = data.draw(st.sampled_from(sorted(inputs.ARM_TEMPLATES)))
    params = data.draw(inputs.ARM_PARAMS[name]())
    sp = data.draw(st.one_of(st.none(), st.none(), st.sampled_from(inputs.UNMAPPED + [0x20000010, 3])))
    timeout = data.draw(st.sampled_from([TIMEOUT / 2] * 9 + [2.0]))
    path = _file(_arm_elf(name, params, sp), ".elf")
    try:
        check(run_cli("firmware", ["run", path, "--timeout", timeout], timeout))
    finally:
        os.unlink(path)


@settings(**examples(0.05))
@given(st.sampled_from(sorted(inputs.PPC_TEMPLATES)), st.integers(1, 5000),
       st.sampled_from([TIMEOUT / 2] * 4 + [2.0]))
def test_hostile_book_e_firmware_ends_within_its_limits(name, period, timeout):
    code, _ = inputs.ppc_template(name)
    code = inputs.lis_ori_param(code, period)
    path = _file(code, ".bin")
    try:
        check(run_cli("firmware", ["run", path, "--board", "e200-mcu", "--base", "0",
                                   "--timeout", timeout], timeout))
    finally:
        os.unlink(path)


@pytest.mark.parametrize("name,params", [("semihosting", (5, 0, 0x100, 0x10000)),
                                         ("storm", (1, 1 << 26, 0, 0))])
def test_a_long_storm_keeps_memory_bounded(name, params):
    """Console flood and SysTick storm for 4 s: memory stays under the limit throughout."""
    path = _file(_arm_elf(name, params, None), ".elf")
    try:
        result = run_cli("firmware", ["run", path, "--timeout", 4, "--max-cycles", 10**15], 4)
        check(result)
        assert result.rss_mb < 500
    finally:
        os.unlink(path)
