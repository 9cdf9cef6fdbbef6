"""Stack probe on PowerPC: frames allocated with store-with-update (stwu/stwux r1) are stack writes."""
from __future__ import annotations

from emulator.events import StackWrite
from emulator.probes.calls import StackProbe, ppc_updates_r1
from ppcfw import SRAM, exit_with, load, machine, vectors
from tools.asm import assemble_ppc

BASE, TOP = SRAM + 0x10000, SRAM + 0x10100          # a 256-byte interrupt stack
# IVOR8 (sc) switches to the interrupt stack and allocates a 288-byte frame with stwu (its back
# chain lands 32 bytes below BASE), then 32 more with stwux; a plain data store far below r1
# into the guard region is not a stack access.
SOURCE = f"""
reset:
{vectors({8: 0x500})}{load(1, SRAM + 0x8000)}  sc
  li 3, 0
{exit_with()}.org 0x500
syscall:
  mr 20, 1
{load(1, TOP)}  stwu 1, -288(1)
  li 4, -32
  stwux 1, 1, 4
{load(5, BASE - 0x800)}  stw 4, 0(5)
  mr 1, 20
  rfi
"""


def word(text: str) -> int:
    return int.from_bytes(assemble_ppc(text, 0), "big")


def test_a_large_stwu_frame_crossing_the_base_is_reported_at_the_stwu_with_exact_bytes_over(tmp_path):
    m = machine(tmp_path, SOURCE)
    StackProbe(m, "isr", BASE, TOP)
    result = m.run(max_cycles=10_000, timeout=10)
    assert (result.reason, result.code) == ("exit", 0)
    writes = [e for e in result.events if isinstance(e, StackWrite)]
    stwu = m.symbol("syscall") + 12                 # mr + lis/ori
    assert [(w.pc, w.address, w.base - w.address) for w in writes] == [
        (stwu, TOP - 288, 32), (stwu + 8, TOP - 288 - 32, 64)]
    assert writes[0].sp == TOP                      # the hook runs before r1 is updated


def test_only_store_with_update_forms_based_on_r1_move_the_stack_pointer():
    assert ppc_updates_r1(word("stwu 1, -288(1)")) and ppc_updates_r1(word("stwux 1, 1, 4"))
    assert ppc_updates_r1(word("stbu 0, -1(1)")) and ppc_updates_r1(word("sthux 0, 1, 4"))
    assert not ppc_updates_r1(word("stw 1, -288(1)"))        # no update
    assert not ppc_updates_r1(word("stwu 1, -16(5)"))        # updates r5, not r1
    assert not ppc_updates_r1(word("lwzu 3, 4(1)"))          # a load
