"""The HTML report: self-contained, deterministic, rendered by headless Chromium with its pictures present (both ISAs)."""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import main
from emulator.report.html import render_html
from emulator.report.svg import histogram, standalone
from emulator.session import analyse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(make toolchains installs Debian's chromium)")
BUDGETS = {"arm": "[budgets]\nisr_cycles = {systick_handler = 145}\nmasked_cycles = 11\n"
                  "latency_cycles = {IRQ8 = 12}\n",
           "ppc": "[budgets]\nisr_cycles = {pit0_handler = 205}\nmasked_cycles = 9\n"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    found = {}
    for arch in ("arm", "ppc"):
        path, rules = out / f"{arch}.html", out / f"{arch}.toml"
        rules.write_text(BUDGETS[arch])
        result = CliRunner().invoke(main, ["report", str(ROOT / f"firmware/{arch}/demo.elf"),
                                           "--rules", str(rules), "--html", str(path)])
        assert result.exit_code in (0, 1), result.output
        found[arch] = path
    return found


def chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *args],
                          capture_output=True, text=True, timeout=120)


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, the decompressed scanlines) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + size])
        at += 12 + size
    return width, height, zlib.decompress(b"".join(chunks))


def test_the_page_is_self_contained_and_deterministic(pages):
    text = pages["arm"].read_text()
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert text == render_html(analyse(ROOT / "firmware/arm/demo.elf", rules_path=pages["arm"].parent
                                       / "arm.toml", masks=True, timeline=True).report)


def test_the_page_has_findings_tables_histograms_timelines_and_stack_use(pages):
    text = pages["arm"].read_text()
    for anchor in ("summary", "findings", "allocations", "handlers", "latency", "masked",
                   "timeline", "stack"):
        assert f'id="{anchor}"' in text
    assert "[latency-cycles]" in text and "budget 12" in text and "budget 145" in text
    assert "Worst latency: IRQ8 (timer0_handler) 13 cycles, exception entry only" in text
    assert 'class="masked"' in text and 'class="preempted"' in text and 'class="pend"' in text
    assert "isr stack use over time" in text and "limit 512" in text


def test_constant_data_is_one_labelled_bar_not_a_filled_panel():
    svg = standalone(histogram("pool_alloc in thread", [12] * 40, 0), 215, "h")
    bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*class="bar"', svg)
    assert len(bars) == 1 and float(bars[0]) < 60
    assert "p50=p99=max 12" in svg and ">40</text>" in svg and ">cycles</text>" in svg


@needs_chromium
@pytest.mark.parametrize("arch", ["arm", "ppc"])
def test_chromium_renders_the_page_with_its_pictures(pages, arch, tmp_path):
    url = pages[arch].resolve().as_uri()
    dom = chromium("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-500:]
    assert dom.stdout.count("<svg") >= 6
    assert 'id="timeline"' in dom.stdout and "Handler path length" in dom.stdout
    shot = tmp_path / "page.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1100,3000", url)
    assert done.returncode == 0 and shot.exists(), done.stderr[-500:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1100, 3000)
    assert len(set(pixels[::97])) > 8            # drawn: more than a blank page's few values
