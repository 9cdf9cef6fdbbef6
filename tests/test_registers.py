"""The register-description facility and each peripheral's table against its manual (no Unicorn)."""
from __future__ import annotations

import pytest

from emulator.arch.arm import nvic as N
from emulator.arch.arm.scs import SystemControlSpace
from emulator.peripherals.dwt import Dwt
from emulator.peripherals.intc import Intc
from emulator.peripherals.pit import Pit
from emulator.peripherals.registers import Register, RegisterMap
from emulator.peripherals.simctl import SimControl
from emulator.peripherals.timer import CmsdkTimer, SysTick
from emulator.peripherals.uart import CmsdkUart, LinflexUart


class Toy:
    """An owner with one register of each kind."""

    registers = (
        Register(0x0, "CTRL", mask=0x0F, reset=0x3),
        Register(0x4, "STATUS", "r", reset=0xA5),
        Register(0x8, "FLAGS", "w1c", mask=0x0F, reset=0xFF),
        Register(0xC, "CMD", "w", write="_command"),
        Register(0x10, "COUNT", read="_read_count", write="_write_count"),
        Register(0x20, "CH", read="_read_ch", write="_write_ch", count="channels", stride=0x8),
        Register(0x40, "PRIO", field="prio", mask=0x7, count=4, stride=1, width=1),
    )

    def __init__(self, **lanes):
        self.channels, self.commands, self.ch = 3, [], [0, 0, 0]
        self.prio, self.count = [0] * 4, 0
        self.regs = RegisterMap(self, self.registers, **lanes)

    def _command(self, value, now):
        self.commands.append((value, now))

    def _read_count(self, now):
        return self.count + now

    def _write_count(self, value, now):
        self.count = value - now

    def _read_ch(self, n, now):
        return self.ch[n]

    def _write_ch(self, n, value, now):
        self.ch[n] = value + n


def test_field_registers_take_their_reset_values_when_the_map_is_built():
    t = Toy()
    assert (t.ctrl, t.status, t.flags) == (0x3, 0xA5, 0xFF)
    assert t.regs.read(0x0, 4, 0) == 0x3 and t.regs.read(0x4, 4, 0) == 0xA5


def test_a_read_write_register_keeps_only_its_mask_bits():
    t = Toy()
    t.regs.write(0x0, 4, 0xFFF6, 0)
    assert t.ctrl == 0x6 and t.regs.read(0x0, 4, 0) == 0x6


def test_a_read_only_register_ignores_writes():
    t = Toy()
    t.regs.write(0x4, 4, 0, 0)
    assert t.regs.read(0x4, 4, 0) == 0xA5


def test_writing_ones_to_a_w1c_register_clears_those_bits_only():
    t = Toy()
    t.regs.write(0x8, 4, 0x5, 0)
    assert t.flags == 0xFA                           # bits outside the mask stay
    t.regs.write(0x8, 4, 0x0, 0)
    assert t.flags == 0xFA


def test_a_write_only_register_reads_as_zero_and_its_method_sees_value_and_time():
    t = Toy()
    t.regs.write(0xC, 4, 0x1234, 77)
    assert t.commands == [(0x1234, 77)] and t.regs.read(0xC, 4, 80) == 0


def test_method_registers_are_given_the_access_time():
    t = Toy()
    t.regs.write(0x10, 4, 100, 40)
    assert t.regs.read(0x10, 4, 50) == 110


def test_unmapped_offsets_read_zero_and_ignore_writes():
    t = Toy()
    before = dict(vars(t))
    t.regs.write(0x18, 4, 0xFFFFFFFF, 0)
    t.regs.write(0x100, 4, 0xFFFFFFFF, 0)
    assert t.regs.read(0x18, 4, 0) == 0 and t.regs.read(0x3C, 4, 0) == 0
    assert {k: v for k, v in vars(t).items() if k != "regs"} == {
        k: v for k, v in before.items() if k != "regs"}


def test_array_registers_repeat_at_their_stride_for_count_entries_from_an_attribute():
    t = Toy()
    for n in range(3):
        t.regs.write(0x20 + 8 * n, 4, 10, 0)
    assert t.ch == [10, 11, 12]
    assert [t.regs.read(0x20 + 8 * n, 4, 0) for n in range(3)] == [10, 11, 12]
    assert t.regs.read(0x20 + 8 * 3, 4, 0) == 0      # a fourth channel is not there
    assert t.regs.read(0x24, 4, 0) == 0              # between entries


def test_byte_registers_split_a_wide_access_in_the_map_byte_order():
    little, big = Toy(), Toy(byte_order="big")
    little.regs.write(0x40, 4, 0x04030201, 0)
    big.regs.write(0x40, 4, 0x04030201, 0)
    assert little.prio == [1, 2, 3, 4] and big.prio == [4, 3, 2, 1]
    assert little.regs.read(0x40, 4, 0) == 0x04030201 == big.regs.read(0x40, 4, 0)
    little.regs.write(0x42, 1, 0xFF, 0)              # one byte, masked to its 3 bits
    assert little.prio == [1, 2, 7, 4] and little.regs.read(0x42, 2, 0) == 0x0407


def test_read_lanes_pick_the_addressed_bytes_of_a_word_register():
    whole, little, big = Toy(), Toy(read_lanes="little"), Toy(read_lanes="big")
    for t in (whole, little, big):
        t.regs.write(0x10, 4, 0x11223344, 0)
    assert whole.regs.read(0x11, 1, 0) == 0x44       # narrow access sees the register
    assert little.regs.read(0x11, 1, 0) == 0x33 and little.regs.read(0x12, 2, 0) == 0x1122
    assert big.regs.read(0x11, 1, 0) == 0x22 and big.regs.read(0x12, 2, 0) == 0x3344


def test_little_write_lanes_move_a_narrow_write_to_its_bytes():
    plain, little = Toy(), Toy(write_lanes="little")
    plain.regs.write(0x12, 1, 0x7, 0)
    little.regs.write(0x12, 1, 0x7, 0)
    assert plain.count == 0x7 and little.count == 0x70000


def test_a_map_without_partial_accesses_only_serves_whole_registers():
    t = Toy(partial=False)
    t.regs.write(0xC, 1, 5, 0)
    t.regs.write(0xD, 4, 5, 0)
    assert t.commands == [] and t.regs.read(0x1, 1, 0) == 0
    t.regs.write(0xC, 4, 5, 0)
    assert t.commands == [(5, 0)]


def test_a_fallback_serves_the_offsets_it_owns_and_nothing_else():
    class Extension:
        def __init__(self):
            self.value = 0x99

        def owns(self, reg):
            return reg == 0x80

        def read(self, reg):
            return self.value

        def write(self, reg, value):
            self.value = value

    ext = Extension()
    t = Toy()
    t.regs = RegisterMap(t, t.registers, fallback=ext)
    assert t.regs.read(0x80, 4, 0) == 0x99 and t.regs.read(0x84, 4, 0) == 0
    t.regs.write(0x80, 4, 7, 0)
    t.regs.write(0x84, 4, 8, 0)
    assert ext.value == 7


def test_bad_tables_are_refused_when_the_map_is_built():
    with pytest.raises(ValueError, match="access"):
        Register(0, "X", "rc")
    with pytest.raises(ValueError, match="mapped twice"):
        RegisterMap(object(), (Register(0, "A", "w", write="__init__"),
                               Register(2, "B", "w", write="__init__")))
    with pytest.raises(ValueError, match="write-only needs a write method"):
        RegisterMap(object(), (Register(0, "A", "w"),))


# --- each table against its manual ---------------------------------------------------------------

def offsets(regmap) -> dict[int, str]:
    """Start offset of every register entry, named NAME or NAME<n> for arrays."""
    found = {}
    for reg in regmap.registers:
        entries = reg.entries(regmap.owner)
        for n in range(entries):
            suffix = str(n) if entries > 1 or isinstance(reg.count, str) else ""
            found[reg.offset + n * reg.stride] = reg.name + suffix
    return found


def test_systick_registers_are_at_the_armv7m_b3_3_2_offsets():
    # ARMv7-M ARM B3.3.2: SYST_CSR 0xE000E010, RVR 0x..14, CVR 0x..18, CALIB 0x..1C
    assert offsets(SysTick().regs) == {0x0: "CSR", 0x4: "RVR", 0x8: "CVR", 0xC: "CALIB"}


def test_scs_registers_are_at_the_armv7m_b3_2_2_and_b3_4_3_offsets():
    scs = SystemControlSpace("scs", 0xE000E000, 0x1000, N.Nvic(64, 3))
    found = offsets(scs.regs)
    # ARMv7-M ARM B3.2.2 (SCB summary) and B3.4.3 (NVIC summary), from 0xE000E000
    expected = {0x004: "ICTR", 0xD00: "CPUID", 0xD04: "ICSR", 0xD08: "VTOR", 0xD0C: "AIRCR",
                0xD10: "SCR", 0xD14: "CCR", 0xD18: "SHPR0", 0xD24: "SHCSR", 0xD28: "CFSR",
                0xD2C: "HFSR", 0xF00: "STIR", 0x100: "ISER0", 0x13C: "ISER15", 0x180: "ICER0",
                0x1BC: "ICER15", 0x200: "ISPR0", 0x280: "ICPR0", 0x300: "IABR0",
                0x33C: "IABR15", 0x400: "IPR0", 0x43F: "IPR63", 0x010: "SYST0", 0x01C: "SYST3"}
    assert {k: found.get(k) for k in expected} == expected
    assert 0x340 not in found and 0x440 not in found and 0xD1C in found   # SHPR1-3 bytes


def test_cmsdk_timer_and_uart_registers_are_at_the_ddi0479_offsets():
    # Cortex-M System Design Kit TRM (DDI 0479): APB timer and APB UART programmers models
    assert offsets(CmsdkTimer("t", 0, 0x1000).regs) == {
        0x0: "CTRL", 0x4: "VALUE", 0x8: "RELOAD", 0xC: "INTSTATUS"}
    assert offsets(CmsdkUart("u", 0, 0x1000, sink=print).regs) == {
        0x0: "DATA", 0x4: "STATE", 0x8: "CTRL"}


def test_dwt_registers_are_at_the_armv7m_c1_8_offsets():
    # ARMv7-M ARM C1.8 (DWT register summary): DWT_CTRL 0xE0001000, DWT_CYCCNT 0xE0001004
    assert offsets(Dwt("dwt", 0xE0001000, 0x1000).regs) == {0x0: "CTRL", 0x4: "CYCCNT"}


def test_pit_registers_are_at_the_mpc5604b_rm_offsets():
    # MPC5604B RM, PIT memory map: PITMCR 0x000; LDVALn 0x100 + 0x10 n, CVALn +4, TCTRLn +8,
    # TFLGn +0xC
    found = offsets(Pit("pit", 0xC3FF0000, 0x4000, channels=4).regs)
    assert found[0x000] == "MCR" and found[0x100] == "LDVAL0" and found[0x134] == "CVAL3"
    assert found[0x118] == "TCTRL1" and found[0x12C] == "TFLG2" and len(found) == 1 + 4 * 4


def test_intc_registers_are_at_the_mpc5554_rm_10_3_offsets():
    # MPC5554 RM 10.3 (INTC memory map): MCR 0x00, CPR 0x08, IACKR 0x10, EOIR 0x18, SSCIR0-7
    # 0x20-0x27, PSR0-307 0x40-0x173
    found = offsets(Intc("intc", 0xFFF48000, 0x4000, sources=308).regs)
    assert {k: found[k] for k in (0x00, 0x08, 0x10, 0x18, 0x20, 0x27, 0x40, 0x173)} == {
        0x00: "MCR", 0x08: "CPR", 0x10: "IACKR", 0x18: "EOIR", 0x20: "SSCIR0", 0x27: "SSCIR7",
        0x40: "PSR0", 0x173: "PSR307"}
    assert len(found) == 4 + 8 + 308


def test_linflex_and_simctl_registers_are_at_their_offsets():
    # MPC5604B RM, LINFlex memory map: UARTSR 0x0014, BDRL 0x0038
    assert offsets(LinflexUart("u", 0, 0x4000, sink=print).regs) == {0x14: "UARTSR", 0x38: "BDRL"}
    assert offsets(SimControl("s", 0, 0x1000, on_exit=print).regs) == {0x0: "EXIT", 0x4: "CRITICAL"}
