"""Pure unit tests of the Cortex-M peripheral and NVIC models: no Unicorn involved."""
from __future__ import annotations

from emulator.arch.arm import nvic as N
from emulator.arch.arm.scs import SystemControlSpace
from emulator.peripherals.dwt import Dwt
from emulator.peripherals.timer import CmsdkTimer, DownCounter


def test_down_counter_wraps_every_reload_plus_one_cycles_after_starting_from_zero():
    c = DownCounter()
    c.reload = 9
    c.start(100, 0)
    assert c.next_wrap() == 110 and c.value(100) == 0 and c.value(101) == 9 and c.value(110) == 0
    assert c.take_wraps(109) == 0 and c.take_wraps(130) == 3 and c.next_wrap() == 140


def test_systick_pends_only_with_tickint_and_countflag_clears_on_read():
    nvic = N.Nvic(8, 3)
    scs = SystemControlSpace("scs", 0xE000E000, 0x1000, nvic)
    scs.write(0x14, 4, 99, 0)                # LOAD
    scs.write(0x18, 4, 0, 0)                 # VAL
    scs.write(0x10, 4, 5, 0)                 # ENABLE | CLKSOURCE, no TICKINT
    assert scs.next_event() == 100 and not scs.advance(100)
    assert scs.read(0x10, 4, 100) & (1 << 16) and not scs.read(0x10, 4, 101) & (1 << 16)
    scs.write(0x10, 4, 7, 150)               # TICKINT on
    assert scs.advance(200)


def test_nvic_priority_grouping_decides_preemption_not_subpriority():
    nvic = N.Nvic(8, 3)
    nvic.prigroup = 5                        # group = bits [7:6], subpriority bit 5
    nvic.enabled[16] = nvic.enabled[17] = True
    nvic.set_priority(16, 0x40)
    nvic.set_priority(17, 0x60)              # same group as 0x40, lower subpriority
    nvic.set_pending(16)
    nvic.activate(16)
    nvic.set_pending(17)
    assert nvic.next_to_take(N.Masks()) is None
    nvic.set_priority(17, 0x00)
    assert nvic.next_to_take(N.Masks()) == 17


def test_masks_raise_the_execution_priority():
    nvic = N.Nvic(8, 3)
    nvic.enabled[20] = True
    nvic.set_priority(20, 0x80)
    nvic.set_pending(20)
    assert nvic.next_to_take(N.Masks(basepri=0x80)) is None
    assert nvic.next_to_take(N.Masks(basepri=0xA0)) == 20
    assert nvic.next_to_take(N.Masks(primask=1)) is None and nvic.would_take_unmasked()
    nvic.set_pending(N.HARDFAULT)
    assert nvic.next_to_take(N.Masks(primask=1)) == N.HARDFAULT
    assert nvic.next_to_take(N.Masks(faultmask=1)) is None


def test_icsr_reports_pending_and_active_vectors():
    nvic = N.Nvic(8, 3)
    scs = SystemControlSpace("scs", 0xE000E000, 0x1000, nvic)
    scs.write(0xD04, 4, 1 << 28, 0)          # PENDSVSET
    icsr = scs.read(0xD04, 4, 0)
    assert icsr & (1 << 28) and (icsr >> 12) & 0x1FF == N.PENDSV and icsr & (1 << 11)
    scs.write(0x400 + 3, 1, 0xFF, 0)         # IPR byte write keeps the implemented bits
    assert nvic.priority[N.IRQ0 + 3] == 0xE0 and scs.read(0x400 + 3, 1, 0) == 0xE0


def test_cmsdk_timer_interrupt_is_a_level_until_intclear():
    nvic = N.Nvic(16, 3)
    t = CmsdkTimer("timer0", 0x40000000, 0x1000)
    t.irq.connect(nvic.line(8))              # irq = "nvic@8": exception 24
    t.write(0x8, 4, 49, 0)                   # RELOAD (and VALUE)
    t.write(0x0, 4, 9, 0)                    # enable + IRQ enable
    assert t.next_event() == 49 and not nvic.sample()
    assert t.advance(49) and t.irq_level() and nvic.sample() and nvic.pending[24]
    assert not t.advance(99) and nvic.input_level(24) and not nvic.sample()
    t.write(0xC, 4, 1, 100)
    assert not t.irq_level() and t.read(0x4, 4, 100) == 49


def test_a_timer_stopped_after_wrapping_reports_no_further_wraps():
    t = CmsdkTimer("timer0", 0x40000000, 0x1000)
    t.write(0x8, 4, 49, 0)
    t.write(0x0, 4, 9, 0)
    assert t.advance(120)                    # wrapped at 49 and 99
    t.write(0xC, 4, 1, 125)                  # INTCLEAR
    t.write(0x0, 4, 8, 130)                  # disable, IRQ still enabled
    assert t.read(0xC, 4, 200) == 0 and not t.irq_level() and not t.advance(300)
    nvic = N.Nvic(8, 3)
    scs = SystemControlSpace("scs", 0xE000E000, 0x1000, nvic)
    scs.write(0x14, 4, 99, 0)
    scs.write(0x10, 4, 7, 0)                 # ENABLE | TICKINT | CLKSOURCE
    assert scs.advance(150)                  # wrapped at 100
    assert scs.read(0x10, 4, 155) & (1 << 16)                # COUNTFLAG, cleared by the read
    scs.write(0x10, 4, 4, 160)               # disable
    assert not scs.read(0x10, 4, 400) & (1 << 16) and not scs.advance(500)


def test_dwt_cyccnt_counts_only_while_enabled():
    d = Dwt("dwt", 0xE0001000, 0x1000)
    assert d.read(4, 4, 500) == 0
    d.write(0, 4, 1, 1000)
    assert d.read(4, 4, 1250) == 250
    d.write(0, 4, 0, 1300)
    assert d.read(4, 4, 9999) == 300


def test_cyccnt_counts_only_while_demcr_trcena_and_cyccntena_are_both_set():
    # ARMv7-M C1.6.5: TRCENA is the global enable of the DWT; C1.8.7: CYCCNTENA
    from emulator.arch.arm.demcr import Demcr
    demcr = Demcr()
    d = Dwt("dwt", 0xE0001000, 0x1000, demcr)
    d.write(0, 4, 1, 100)                     # CYCCNTENA, TRCENA still 0 (its reset value)
    assert d.read(4, 4, 900) == 0
    demcr.write(1 << 24, 1000)                # TRCENA
    assert d.read(4, 4, 1250) == 250
    demcr.write(0, 1300)                      # TRCENA off: CYCCNT holds
    assert d.read(4, 4, 5000) == 300
    demcr.write(1 << 24, 6000)
    d.write(0, 4, 0, 6100)                    # CYCCNTENA off
    assert d.read(4, 4, 9000) == 400


def test_demcr_reads_back_its_writable_bits():
    from emulator.arch.arm.demcr import Demcr
    demcr = Demcr()
    assert demcr.read(0) == 0                 # C1.6.5: TRCENA and the VC_ bits reset to 0
    demcr.write(0xFFFFFFFF, 10)
    assert demcr.read(20) == 0x010F07F1       # TRCENA, MON_*, VC_* (reserved bits read 0)
