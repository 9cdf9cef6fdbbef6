"""Pure unit tests of the Book E models: INTC, PIT, Book E timers and instruction facts (no Unicorn)."""
from __future__ import annotations

from emulator.peripherals.intc import Intc
from emulator.peripherals.pit import Pit
from emulator.arch.ppc import booke as B
from emulator.arch.ppc.timers import TCR_ARE, TCR_DIE, TSR_DIS, BookETimers


def intc() -> Intc:
    return Intc("intc", 0xFFF48000, 0x4000, sources=64)


def test_intc_asserts_only_for_a_pending_source_above_cpr():
    c = intc()
    c.write(0x40 + 59, 1, 3, 0)
    assert not c.asserted()
    c.set_level(59, True)
    assert c.asserted() and c.highest() == 59
    c.write(0x08, 4, 3, 0)                       # CPR = 3: priority 3 is not above it
    assert not c.asserted()


def test_a_source_of_priority_zero_never_interrupts():
    c = intc()
    c.set_level(10, True)
    assert c.highest() is None and not c.asserted()


def test_iackr_returns_the_vector_raises_cpr_and_eoir_pops_the_lifo():
    c = intc()
    c.write(0x10, 4, 0x3000, 0)                  # VTBA
    c.write(0x40, 1, 2, 0)
    c.write(0x41, 1, 5, 0)
    c.write(0x20, 1, 0x02, 0)                    # SSCIR0 SET
    assert c.read(0x10, 4, 0) == 0x3000 and c.cpr == 2
    c.write(0x21, 1, 0x02, 0)
    assert c.asserted()
    assert c.read(0x10, 4, 0) == 0x3004 and c.cpr == 5 and c.lifo == [0, 2]
    c.write(0x18, 4, 0, 0)
    assert c.read(0x08, 4, 0) == 2
    c.write(0x18, 4, 0, 0)
    assert c.read(0x08, 4, 0) == 0


def test_sscir_clr_withdraws_a_software_request_and_psr_reads_back_per_byte():
    c = intc()
    c.write(0x40, 4, 0x01020304, 0)              # PSR0-3 in one big-endian word write
    assert [c.read(0x40 + i, 1, 0) for i in range(4)] == [1, 2, 3, 4]
    c.write(0x23, 1, 0x02, 0)
    assert c.pending(3) and c.read(0x23, 1, 0) == 1
    c.write(0x23, 1, 0x01, 0)
    assert not c.pending(3)


def pit():
    c = intc()
    p = Pit("pit", 0xC3FF0000, 0x4000, channels=3)
    for n, line in enumerate(p.outputs):         # irq = "intc@59": channel n -> source 59 + n
        line.connect(c.line(59 + n))
    return p, c.level


def test_pit_counts_nothing_while_the_module_is_disabled():
    p, lines = pit()
    p.write(0x100, 4, 99, 0)
    p.write(0x108, 4, 3, 0)
    assert p.next_event() is None                # MCR.MDIS is set out of reset


def test_pit_channel_times_out_every_ldval_plus_one_cycles_and_tif_is_write_one_to_clear():
    p, lines = pit()
    p.write(0x0, 4, 0, 10)
    p.write(0x110, 4, 99, 10)                    # channel 1
    p.write(0x118, 4, 3, 10)
    assert p.next_event() == 110
    p.advance(109)
    assert not lines[60]
    p.advance(110)
    assert lines[60] and p.read(0x11C, 4, 110) == 1 and p.next_event() == 210
    p.write(0x11C, 4, 1, 120)
    assert not lines[60]
    assert p.read(0x114, 4, 120) == 89           # CVAL counts down from LDVAL


def test_pit_level_needs_tie():
    p, lines = pit()
    p.write(0x0, 4, 0, 0)
    p.write(0x100, 4, 9, 0)
    p.write(0x108, 4, 1, 0)                      # TEN without TIE
    p.advance(10)
    assert p.read(0x10C, 4, 10) == 1 and not lines[59]


def test_decrementer_one_shot_sets_dis_once_and_stops_at_zero():
    t = BookETimers()
    t.write(B.SPR_DEC, 100, 0)
    assert t.next_event() == 100 and t.read(B.SPR_DEC, 40) == 60
    t.advance(100)
    assert t.tsr & TSR_DIS and t.read(B.SPR_DEC, 500) == 0 and t.next_event() is None


def test_decrementer_auto_reload_period_is_decar_and_tsr_is_write_one_to_clear():
    t = BookETimers()
    t.write(B.SPR_DECAR, 50, 0)
    t.write(B.SPR_TCR, TCR_DIE | TCR_ARE, 0)
    t.write(B.SPR_DEC, 20, 0)
    t.advance(20)
    assert t.decrementer_pending() and t.read(B.SPR_DEC, 20) == 50 and t.next_event() == 70
    t.write(B.SPR_TSR, TSR_DIS, 30)
    assert not t.decrementer_pending() and t.next_event() == 70
    t.advance(70)
    assert t.decrementer_pending() and t.next_event() == 120


def test_writing_zero_to_dec_raises_nothing():
    t = BookETimers()
    t.write(B.SPR_TCR, TCR_DIE, 0)
    t.write(B.SPR_DEC, 0, 0)
    t.advance(1000)
    assert not t.decrementer_pending() and t.next_event() is None


def test_time_base_counts_model_cycles_from_the_value_written():
    t = BookETimers()
    t.write(B.SPR_TBL_W, 1000, 10)
    assert t.read(B.SPR_TBL_R, 25) == 1015 and t.read(B.SPR_TBU_R, 25) == 0


def test_entry_clears_ee_and_pr_and_keeps_ce_me_de_for_non_critical_interrupts():
    msr = B.MSR_EE | B.MSR_PR | B.MSR_CE | B.MSR_ME | B.MSR_DE | B.MSR_FP
    assert B.entry_msr(msr, critical=False) == B.MSR_CE | B.MSR_ME | B.MSR_DE
    assert B.entry_msr(msr, critical=True) == B.MSR_ME | B.MSR_DE


def test_vector_is_ivpr_high_half_or_ivor_offset():
    assert B.vector(0x12345678, 0xABCD) == 0x1234ABC0


def test_spr_access_decoding_round_trips_and_knows_mftb():
    for op, spr, gpr in (("mtspr", 22, 3), ("mfspr", 336, 31), ("mtspr", 63, 0), ("mfspr", 415, 7)):
        assert B.decode_spr_access(B.encode_spr_access(op, spr, gpr)) == (op, spr, gpr)
    assert B.encode_spr_access("mtspr", 26, 3) == 0x7C7A03A6      # mtsrr0 r3 (binutils)
    assert B.decode_spr_access(0x7C6C42E6) == ("mfspr", 268, 3)   # mftb r3
    assert B.decode_spr_access(0x60000000) is None


def test_fixed_interval_timer_sets_fis_when_the_selected_time_base_bit_rises():
    from emulator.arch.ppc.timers import TCR_FIE
    t = BookETimers()
    t.write(B.SPR_TCR, TCR_FIE | 3 << 24 | 9 << 13, 0)   # FP||FPEXT = 57: TB bit 6 (64s)
    assert t.fit_bit() == 6 and t.next_event() == 64
    t.advance(64)
    assert t.fit_pending()
    t.write(B.SPR_TSR, 1 << 26, 70)
    assert not t.fit_pending() and t.next_event() == 192
