"""The FPv4-SP system state (emulator/arch/arm/fpu.py) on a fake CPU port: no engine."""
from __future__ import annotations

import struct

import pytest

from emulator.arch.arm import fpu as F


class FakeCpu:
    """Memory as a dict of bytes, registers as a dict: what Fpu reads and writes."""

    def __init__(self):
        self.mem: dict[int, int] = {}
        self.regs = {name: 0x100 + i for i, name in enumerate(F.FP_FRAME_REGS)}

    def read(self, addr, size):
        return bytes(self.mem.get(addr + i, 0) for i in range(size))

    def write(self, addr, data):
        for i, b in enumerate(data):
            self.mem[addr + i] = b

    def regs_read(self, names):
        return [self.regs[n] for n in names]

    def regs_write(self, names, values):
        self.regs.update(zip(names, values))


@pytest.fixture
def fpu():
    changes = []
    unit = F.Fpu(FakeCpu(), lambda: changes.append(unit.trap_wanted()))
    unit.changes = changes
    return unit


def test_reset_values_are_the_manuals(fpu):
    assert fpu.read(F.CPACR) == 0                                  # B3.2.20: access denied
    assert fpu.read(F.FPCCR) == F.FPCCR_ASPEN | F.FPCCR_LSPEN      # B3.2.21
    assert (fpu.read(F.MVFR0), fpu.read(F.MVFR1)) == (0x10110021, 0x11000011)
    assert fpu.trap_wanted()


@pytest.mark.parametrize("cp10, privileged, allowed", [
    (0b00, True, False), (0b01, True, True), (0b01, False, False), (0b11, False, True),
])
def test_cpacr_decides_who_may_execute_fp_instructions(fpu, cp10, privileged, allowed):
    fpu.write(F.CPACR, (cp10 | cp10 << 2) << 20)
    assert fpu.permits(privileged) is allowed
    assert fpu.trap_wanted() is (cp10 != 0b11)


def test_register_writes_keep_only_their_defined_bits(fpu):
    fpu.write(F.CPACR, 0xFFFFFFFF)
    fpu.write(F.FPCAR, 0x20001237)
    fpu.write(F.FPDSCR, 0xFFFFFFFF)
    assert (fpu.cpacr, fpu.fpcar, fpu.fpdscr) == (0x00F00000, 0x20001230, 0x07C00000)


def test_a_lazy_push_reserves_the_space_and_records_it_in_fpccr_and_fpcar(fpu):
    fpu.write(F.CPACR, 0x00F00000)
    data, cycles = fpu.push(0x20000F98, thread=True, unprivileged=True, ready=F.FPCCR_HFRDY)
    assert (data, cycles) == (b"", 0)
    assert fpu.fpcar == 0x20000FB8
    assert fpu.fpccr == (F.FPCCR_ASPEN | F.FPCCR_LSPEN | F.FPCCR_LSPACT | F.FPCCR_THREAD
                         | F.FPCCR_USER | F.FPCCR_HFRDY)
    assert fpu.changes[-1] is True                 # the next FP instruction must trap


def test_an_eager_push_stores_s0_s15_fpscr_and_a_reserved_word(fpu):
    fpu.write(F.FPCCR, F.FPCCR_ASPEN)
    data, cycles = fpu.push(0x20000F98, thread=False, unprivileged=False, ready=0)
    assert cycles == F.FP_STATE_CYCLES == 17
    assert struct.unpack("<18I", data) == tuple(range(0x100, 0x111)) + (0,)
    assert not fpu.lazy_pending


def test_the_lazy_save_writes_at_fpcar_and_clears_lspact(fpu):
    fpu.push(0x20000F98, thread=True, unprivileged=False, ready=0)
    assert fpu.preserve() == 17
    assert struct.unpack("<17I", fpu.cpu.read(0x20000FB8, 68)) == tuple(range(0x100, 0x111))
    assert not fpu.lazy_pending


def test_a_return_before_any_lazy_save_leaves_the_registers_and_clears_lspact(fpu):
    fpu.push(0x20000F98, thread=True, unprivileged=False, ready=0)
    fpu.cpu.regs["s0"] = 0xABCD
    assert fpu.pop(0x20000F98) == 0
    assert fpu.cpu.regs["s0"] == 0xABCD and not fpu.lazy_pending


def test_a_return_after_the_save_reloads_the_state_from_the_frame(fpu):
    fpu.push(0x20000F98, thread=True, unprivileged=False, ready=0)
    fpu.preserve()
    fpu.cpu.regs.update(s0=0xDEAD, fpscr=0xBEEF)
    assert fpu.pop(0x20000F98) == 17
    assert (fpu.cpu.regs["s0"], fpu.cpu.regs["fpscr"]) == (0x100, 0x110)
