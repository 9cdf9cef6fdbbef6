"""The Book E core's own state stays bounded in interrupt storms (issue 21 part 3)."""
from __future__ import annotations

from ppcfw import machine, vectors
from emulator.events import InterruptEntered
from emulator.arch.ppc.core import MAX_ACTIVE

# IVOR8 handler that goes back to the thread by a branch, never by rfi: every `sc` nests.
SC_WITHOUT_RFI = ("reset:\n  b start\n.org 0x500\nsc_handler:\n  b loop\n.org 0x1000\nstart:\n" +
                  vectors({8: 0x500}) + "loop:\n  sc\n  b loop\n")


def test_handlers_that_never_rfi_keep_at_most_max_active_interrupts_nested(tmp_path):
    m = machine(tmp_path, SC_WITHOUT_RFI)
    result = m.run(max_cycles=3 * 3 * (MAX_ACTIVE + 40), timeout=30)
    entries = [e for e in result.events if isinstance(e, InterruptEntered)]
    assert len(entries) > MAX_ACTIVE + 20                   # it did go past the bound
    assert len(m.core.active) == MAX_ACTIVE
    assert max(len(e.context.chain) for e in entries) == MAX_ACTIVE


def test_the_engines_translated_code_buffer_is_bounded():
    """Each emu_start retranslates a block; with Unicorn's default 1 GiB buffer a 3M-cycle sc
    storm reached 500 MB resident (117 MB with the bound, measured with /tmp-style runs)."""
    from emulator.arch import ARCHES
    from emulator.engine.cpu import TCG_BUFFER, UnicornCpu
    for spec in ARCHES.values():
        for _, model in spec.cpus:
            assert UnicornCpu(spec.unicorn, model).uc.ctl_get_tcg_buffer_size() == TCG_BUFFER == 64 << 20
