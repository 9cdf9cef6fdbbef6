"""An IVOR4 entry is the INTC source IACKR acknowledged (issue 21): gcc pit-pair firmware, unit cases.

build/c/ppc/pitpair.elf (firmware/c/ppc/pitpair.c, built by firmware/c/pitpair.mk into a
temporary directory): PIT0 (source 59, priority 2) and PIT1 (source 60, priority 4) time out a
few cycles apart every 100,000 cycles, so IVOR4 is entered while only PIT0 is pending and the
handler's IACKR read acknowledges PIT1 (MPC5554 RM 10.4.3.1.1).  The ISRs count themselves and
the firmware prints the counts; fwsandbox's per-handler ``taken`` and its events must agree.
(Before the fix: pit0_isr taken 26, pit1_isr taken 44 against the firmware's 20 and 50.)
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from test_gcc_firmware import make_images, require_tool, run_emulator
from emulator.events import Context, InterruptAcknowledged, InterruptEntered, InterruptExited
from emulator.peripherals.intc import Intc
from emulator.report.model import Finding
from emulator.report.text import context_line

COUNTS = re.compile(r"pit0 entries=(\d+) pit1 entries=(\d+) pit1 with pit0 pending=(\d+)")


@pytest.fixture(scope="module")
def pitpair(tmp_path_factory) -> Path:
    require_tool("powerpc-linux-gnu-gcc")
    out = tmp_path_factory.mktemp("pitpair-firmware")
    make_images(out, f"{out}/ppc/pitpair.elf")
    return out / "ppc" / "pitpair.elf"


@pytest.fixture(scope="module")
def run(pitpair):
    result = run_emulator(pitpair)
    assert result.reason == "exit" and result.code == 0, result.output + result.message
    return result


@pytest.fixture(scope="module")
def firmware_counts(run) -> dict[str, int]:
    pit0, pit1, over = map(int, COUNTS.search(run.output).groups())
    return {"pit0_isr": pit0, "pit1_isr": pit1, "over": over}


def test_the_firmware_counts_its_designed_20_pit0_and_50_pit1_interrupts(firmware_counts):
    assert firmware_counts == {"pit0_isr": 20, "pit1_isr": 50, "over": 10}


def test_some_pit1_interrupts_were_entered_for_pit0_and_acknowledged_for_pit1(run):
    acks = [e for e in run.events if isinstance(e, InterruptAcknowledged)]
    assert acks, "the race did not happen: the test would prove nothing"
    assert {(e.entered_number, e.entered_handler, e.number, e.name, e.handler) for e in acks} == \
        {(16 + 59, "pit0_isr", 16 + 60, "IVOR4:60", "pit1_isr")}
    assert all(e.context.handler == "pit1_isr" and e.context.irq == 76 for e in acks)


def test_fwsandbox_taken_counts_equal_the_firmware_counts(pitpair, firmware_counts):
    from emulator.session import analyse
    analysis = analyse(pitpair)
    taken = {s.handler: s.taken for s in analysis.report.interrupts}
    assert taken == {h: firmware_counts[h] for h in ("pit0_isr", "pit1_isr")}


def test_every_interrupt_exit_names_the_acknowledged_handler_and_source(run, firmware_counts):
    exits = Counter(e.handler for e in run.events if isinstance(e, InterruptExited))
    assert exits == Counter({h: firmware_counts[h] for h in ("pit0_isr", "pit1_isr")})
    numbers = {e.handler: e.number for e in run.events if isinstance(e, InterruptExited)}
    assert numbers == {"pit0_isr": 75, "pit1_isr": 76}


def test_entries_corrected_by_their_acknowledgements_equal_the_firmware_counts(run, firmware_counts):
    handlers = Counter(e.handler for e in run.events if isinstance(e, InterruptEntered))
    for ack in (e for e in run.events if isinstance(e, InterruptAcknowledged)):
        handlers[ack.entered_handler] -= 1
        handlers[ack.handler] += 1
    assert +handlers == Counter({h: firmware_counts[h] for h in ("pit0_isr", "pit1_isr")})


# --- the INTC model and the user-facing name -------------------------------------------------

def intc_with(seen: list) -> Intc:
    intc = Intc("intc", 0xFFF48000, 0x4000, on_acknowledge=lambda s, now: seen.append((s, now)))
    intc.write(0x10, 4, 0x3000, 0)             # VTBA
    intc.write(0x40 + 59, 1, 2, 0)
    intc.write(0x40 + 60, 1, 4, 0)
    return intc


def test_an_iackr_read_reports_the_source_asserted_at_the_read_not_earlier():
    seen: list = []
    intc = intc_with(seen)
    intc.set_level(59, True)
    assert intc.highest() == 59                # what an IVOR4 entry now would be named for
    intc.set_level(60, True)                   # before the handler's IACKR read
    assert intc.read(0x10, 4, now=123) == 0x3000 + 4 * 60
    assert seen == [(60, 123)] and intc.cpr == 4


def test_an_iackr_read_with_nothing_asserted_reports_none_and_keeps_cpr():
    seen: list = []
    intc = intc_with(seen)
    assert intc.read(0x10, 4, now=7) == 0x3000
    assert seen == [(None, 7)] and intc.cpr == 0


def finding_in(ctx: Context) -> Finding:
    return Finding(kind="fault", message="m", pc=None, location="", function=None, context=ctx,
                   cycle=0)


def test_book_e_findings_name_intc_sources_and_cortex_m_keeps_irq_numbers():
    book_e = Context("pit0_isr", 75, 1, ("pit0_isr",), False, "INTC 59")
    cortex_m = Context("SysTick_Handler", 15, 1, ("SysTick_Handler",))
    assert "(INTC 59)" in context_line(finding_in(book_e))
    assert "(irq 15)" in context_line(finding_in(cortex_m))
    assert book_e == Context("pit0_isr", 75, 1, ("pit0_isr",))      # a label is presentation only


def test_the_pit_pair_contexts_carry_the_intc_label(run):
    acks = [e for e in run.events if isinstance(e, InterruptAcknowledged)]
    assert {e.context.irq_text for e in acks} == {"INTC 60"}
    entries = {e.context.irq_text for e in run.events if isinstance(e, InterruptEntered)}
    assert entries == {"INTC 59", "INTC 60"}
