"""Reload semantics of the down-counting timers (SysTick, CMSDK APB timer, PIT, Book E DEC)."""
from __future__ import annotations

from emulator.peripherals.pit import Pit
from emulator.peripherals.timer import CmsdkTimer, SysTick
from emulator.arch.ppc.booke import SPR_DEC, SPR_DECAR, SPR_TCR, SPR_TSR
from emulator.arch.ppc.timers import TCR_ARE, TSR_DIS, BookETimers

CSR, RVR, CVR = 0x0, 0x4, 0x8
ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16
CTRL, VALUE, RELOAD, INTSTATUS = 0x0, 0x4, 0x8, 0xC
EN, IRQEN = 1, 8


def systick(rvr: int, at: int = 0, tickint: bool = True) -> SysTick:
    """A SysTick enabled at cycle ``at`` the usual way: RVR, CVR = 0, then CSR."""
    s = SysTick()
    s.write(RVR, rvr, at)
    s.write(CVR, 0, at)
    s.write(CSR, CLKSOURCE | ENABLE | (TICKINT if tickint else 0), at)
    return s


def wraps_until(timer, end: int) -> list[int]:
    """Cycles of every interrupt edge the timer raises up to ``end``, advancing by its events."""
    edges = []
    while (t := timer.next_event()) is not None and t <= end:
        if timer.advance(t):
            edges.append(t)
    return edges


# --- SysTick (ARMv7-M ARM B3.3.1) -------------------------------------------------------------

def test_systick_enabled_with_cvr_zero_loads_rvr_on_the_next_clock_and_wraps_every_rvr_plus_one():
    assert wraps_until(systick(99), 350) == [100, 200, 300]
    s = systick(99)
    assert s.read(CVR, 0) == 0 and s.read(CVR, 1) == 99 and s.read(CVR, 100) == 0
    assert s.read(CVR, 101) == 99


def test_writing_rvr_mid_period_keeps_the_current_count_and_applies_from_the_next_reload():
    s = systick(99)
    assert s.advance(100)                           # first tick
    s.write(RVR, 999, 150)                          # tickless idle: a long sleep period
    assert s.read(CVR, 150) == 50 and s.read(CVR, 151) == 49
    assert s.next_event() == 200                    # the current period runs out first
    assert wraps_until(s, 2500) == [200, 1200, 2200]
    assert s.read(CVR, 201) == 999


def test_writing_rvr_before_the_first_wrap_after_enable_does_not_move_that_wrap():
    s = systick(99)                                  # RVR loaded at cycle 1
    s.write(RVR, 9, 50)
    assert s.read(CVR, 50) == 50 and s.next_event() == 100
    assert wraps_until(s, 125) == [100, 110, 120]


def test_frequent_register_reads_after_an_rvr_write_lose_no_tick_and_add_none():
    s = systick(99)
    ticks = []
    for now in range(0, 3000, 30):                  # another interrupt wakes the core often
        if s.advance(now):
            ticks.append(now)
        s.read(CSR, now)
        if now == 330:
            s.write(RVR, 499, now)                  # sleep longer from the next reload on
    # wraps at 100, 200, 300, 400 (the current period), then every 500 (900 ... 2900), each
    # seen at the first access at or after it
    assert ticks == [120, 210, 300, 420, 900, 1410, 1920, 2400, 2910]


def test_writing_cvr_clears_it_and_countflag_raises_nothing_and_reloads_on_the_next_clock():
    s = systick(99)
    assert s.advance(100)                           # COUNTFLAG set, not yet read
    s.write(CVR, 12345, 150)                        # any value clears
    assert not s.read(CSR, 150) & COUNTFLAG
    assert s.read(CVR, 150) == 0 and s.read(CVR, 151) == 99
    assert not s.advance(150) and s.next_event() == 250


def test_countflag_is_set_by_the_wrap_and_cleared_only_by_reading_csr():
    s = systick(49, tickint=False)
    assert not s.read(CSR, 49) & COUNTFLAG and not s.advance(50)     # no TICKINT: no pend
    s.read(RVR, 60)
    s.read(CVR, 60)
    assert s.read(CSR, 60) & COUNTFLAG
    assert not s.read(CSR, 61) & COUNTFLAG
    assert s.read(CSR, 100) & COUNTFLAG                              # next wrap at 100


def test_systick_disabled_mid_count_resumes_from_cvr_when_enabled_again():
    s = systick(99)
    s.write(CSR, CLKSOURCE | TICKINT, 60)           # disable: CVR holds 40
    assert s.read(CVR, 500) == 40 and s.next_event() is None
    s.write(RVR, 9, 600)                            # while stopped: used at the next reload
    s.write(CSR, CLKSOURCE | TICKINT | ENABLE, 1000)
    assert s.read(CVR, 1000) == 40
    assert wraps_until(s, 1065) == [1040, 1050, 1060]


def test_rvr_zero_stops_the_counter_at_its_next_wrap_until_rvr_is_written_again():
    s = systick(99)
    s.write(RVR, 0, 50)
    assert wraps_until(s, 10_000) == [100]          # the current period still ends
    assert s.next_event() is None and s.read(CVR, 5000) == 0
    assert s.read(CSR, 5000) & COUNTFLAG and not s.read(CSR, 5001) & COUNTFLAG
    s.write(RVR, 20, 6000)                          # loaded on the next clock
    assert s.read(CVR, 6001) == 20 and wraps_until(s, 6050) == [6021, 6042]


def test_systick_with_rvr_zero_from_the_start_never_counts():
    s = systick(0)
    assert s.next_event() is None and not s.advance(10_000)
    assert not s.read(CSR, 10_000) & COUNTFLAG


# --- CMSDK APB timer (ARM DDI 0479) -----------------------------------------------------------

def cmsdk(reload: int, at: int = 0, ctrl: int = EN | IRQEN) -> CmsdkTimer:
    t = CmsdkTimer("timer0", 0x40000000, 0x1000)
    t.write(RELOAD, 4, reload, at)                  # also loads VALUE
    t.write(CTRL, 4, ctrl, at)
    return t


def wraps_cmsdk(t: CmsdkTimer, end: int) -> list[int]:
    edges = []
    while (n := t.next_event()) is not None and n <= end:
        if t.advance(n):
            edges.append(n)
            t.write(INTSTATUS, 4, 1, n)             # INTCLEAR
    return edges


def test_cmsdk_timer_counts_value_down_then_reloads_on_the_clock_after_zero():
    assert wraps_cmsdk(cmsdk(49), 160) == [49, 99, 149]
    t = cmsdk(49)
    assert t.read(VALUE, 4, 10) == 39 and t.read(VALUE, 4, 49) == 0 and t.read(VALUE, 4, 50) == 49


def test_writing_cmsdk_reload_mid_count_also_writes_value():
    t = cmsdk(99)
    t.write(RELOAD, 4, 9, 30)
    assert t.read(VALUE, 4, 30) == 9 and t.read(RELOAD, 4, 30) == 9
    assert wraps_cmsdk(t, 65) == [39, 49, 59]


def test_writing_cmsdk_value_mid_count_keeps_reload_for_the_periods_after():
    t = cmsdk(99)
    t.write(VALUE, 4, 5, 30)
    assert wraps_cmsdk(t, 240) == [35, 135, 235]
    t2 = cmsdk(99)
    t2.write(VALUE, 4, 0, 30)                       # from 0: RELOAD on the next clock, no edge
    assert wraps_cmsdk(t2, 240) == [130, 230]


def test_cmsdk_reload_zero_raises_one_interrupt_and_then_holds_at_zero():
    t = cmsdk(0)
    t.write(VALUE, 4, 7, 0)
    assert wraps_cmsdk(t, 10_000) == [7] and t.read(VALUE, 4, 9000) == 0


def test_cmsdk_intstatus_is_set_only_by_a_wrap_while_irqen_is_set():
    t = cmsdk(49, ctrl=EN)                          # counting, interrupt disabled
    assert not t.advance(120) and t.read(INTSTATUS, 4, 120) == 0
    t.write(CTRL, 4, EN | IRQEN, 130)               # the wraps at 49 and 99 left nothing
    assert not t.advance(130) and not t.irq_level()
    assert t.advance(149) and t.read(INTSTATUS, 4, 149) == 1
    t.write(CTRL, 4, EN, 150)                       # IRQEN off: TIMERINT held until INTCLEAR
    assert t.irq_level()
    t.write(INTSTATUS, 4, 1, 151)
    assert not t.irq_level()


# --- MPC5604B PIT: LDVAL applies at the next timeout unless the channel restarts ---------------

def pit_channel0(ldval: int):
    p = Pit("pit", 0xC3FF0000, 0x4000, channels=1)
    p.write(0x000, 4, 0, 0)                         # PITMCR: module enabled
    p.write(0x100, 4, ldval, 0)                     # LDVAL0
    p.write(0x108, 4, 0x3, 0)                       # TCTRL0: TEN | TIE
    return p


def pit_timeouts(p: Pit, end: int) -> list[int]:
    out = []
    while (n := p.next_event()) is not None and n <= end:
        p.advance(n)
        if p.read(0x10C, 4, n):
            out.append(n)
            p.write(0x10C, 4, 1, n)                 # TFLG0: write 1 to clear
    return out


def test_pit_ldval_written_mid_period_takes_effect_at_the_next_timeout():
    p = pit_channel0(999)
    p.write(0x100, 4, 99, 200)                      # smaller LDVAL mid-period
    assert p.read(0x104, 4, 200) == 799             # CVAL keeps counting the old period
    assert pit_timeouts(p, 1050) == [1000]
    assert p.read(0x104, 4, 1001) == 98             # reloaded with the new LDVAL at 1000
    assert pit_timeouts(p, 1250) == [1100, 1200]


def test_pit_restarting_the_channel_starts_a_period_with_the_new_ldval_at_once():
    p = pit_channel0(999)
    p.write(0x100, 4, 99, 200)
    p.write(0x108, 4, 0x2, 300)                     # TEN 0
    p.write(0x108, 4, 0x3, 300)                     # TEN 1: loads LDVAL now
    assert pit_timeouts(p, 520) == [400, 500]


# --- Book E decrementer: DECAR is loaded at the next decrement from 1 ---------------------------

def test_decar_written_mid_count_does_not_change_the_current_decrementer_count():
    t = BookETimers()
    t.write(SPR_TCR, TCR_ARE, 0)
    t.write(SPR_DECAR, 100, 0)
    t.write(SPR_DEC, 100, 0)
    t.write(SPR_DECAR, 10, 40)
    assert t.read(SPR_DEC, 40) == 60 and t.next_event() == 100
    seen = []
    while (n := t.next_event()) is not None and n <= 125:
        t.advance(n)
        if t.read(SPR_TSR, n) & TSR_DIS:
            seen.append(n)
            t.write(SPR_TSR, TSR_DIS, n)
    assert seen == [100, 110, 120]


# --- differential: the closed-form counters against per-cycle reference models ----------------

class RefSysTick:
    """B3.3.1 clocked one cycle at a time: the obvious model, slow and hard to get wrong."""

    def __init__(self):
        self.t = self.cvr = self.rvr = self.csr = 0
        self.flag, self.edges = False, 0

    def clock_to(self, now: int) -> None:
        for self.t in range(self.t + 1, now + 1):
            if not self.csr & ENABLE:
                continue
            if self.cvr == 0:
                self.cvr = self.rvr                  # reload on the clock after 0
            else:
                self.cvr -= 1
                if self.cvr == 0:                    # 1 -> 0: COUNTFLAG, the exception
                    self.flag = True
                    self.edges += bool(self.csr & TICKINT)

    def write(self, reg: int, value: int) -> None:
        if reg == CSR:
            self.csr = value & 7
        elif reg == RVR:
            self.rvr = value
        else:
            self.cvr, self.flag = 0, False

    def read(self, reg: int) -> int:
        if reg == CSR:
            value, self.flag = self.csr | (COUNTFLAG if self.flag else 0), False
            return value | CLKSOURCE
        return self.rvr if reg == RVR else self.cvr


class RefCmsdk:
    """The CMSDK APB timer's RTL (DDI 0479) clocked one cycle at a time."""

    def __init__(self):
        self.t = self.ctrl = self.value = self.reload = 0
        self.intstatus = False

    def clock_to(self, now: int) -> None:
        for self.t in range(self.t + 1, now + 1):
            if not self.ctrl & EN:
                continue
            if self.value == 1 and self.ctrl & IRQEN:
                self.intstatus = True
            self.value = self.reload if self.value == 0 else self.value - 1

    def write(self, reg: int, value: int) -> None:
        if reg == CTRL:
            self.ctrl = value & 0xF
        elif reg in (VALUE, RELOAD):
            if reg == RELOAD:
                self.reload = value
            self.value = value
        elif value & 1:
            self.intstatus = False

    def read(self, reg: int) -> int:
        return {CTRL: self.ctrl, VALUE: self.value, RELOAD: self.reload,
                INTSTATUS: int(self.intstatus)}[reg]


def random_ops(seed: int, regs: tuple, values: tuple, n: int = 400):
    """(cycle, 'read'|'write'|'advance', reg, value) at increasing cycles, gaps up to 40."""
    rng = __import__("random").Random(seed)
    now = 0
    for _ in range(n):
        now += rng.choice((0, 1, 1, 2, 3, 5, 8, 13, 21, 40))
        kind = rng.choice(("read", "write", "advance"))
        yield now, kind, rng.choice(regs), rng.choice(values)


def test_systick_agrees_with_a_per_cycle_model_under_random_register_traffic():
    for seed in range(30):
        model, ref = SysTick(), RefSysTick()
        for now, kind, reg, value in random_ops(seed, (CSR, RVR, CVR), (0, 1, 2, 7, 30, 3, 5, 7)):
            if (nxt := model.next_event()) is not None and nxt < now:
                now = nxt                            # the machine stops at every event
            ref.clock_to(now)
            where = f"seed {seed} cycle {now} {kind} {reg:#x}={value}"
            if kind == "write":
                model.write(reg, value, now)
                ref.write(reg, value)
            elif kind == "read":
                assert model.read(reg, now) == ref.read(reg), where
            else:
                assert model.advance(now) == bool(ref.edges), where
                ref.edges = 0


def test_cmsdk_timer_agrees_with_its_rtl_clocked_per_cycle_under_random_register_traffic():
    for seed in range(30):
        model, ref = CmsdkTimer("timer0", 0x40000000, 0x1000), RefCmsdk()
        regs = (CTRL, VALUE, RELOAD, INTSTATUS)
        for now, kind, reg, value in random_ops(seed, regs, (0, 1, 2, 9, 30, 1, 8, 9)):
            if (nxt := model.next_event()) is not None and nxt < now:
                now = nxt
            ref.clock_to(now)
            where = f"seed {seed} cycle {now} {kind} {reg:#x}={value}"
            if kind == "write":
                model.write(reg, 4, value, now)
                ref.write(reg, value)
            elif kind == "read":
                assert model.read(reg, 4, now) == ref.read(reg), where
            else:
                model.advance(now)
                assert model.irq_level() == ref.intstatus, where
