/*
 * Tickless-idle differential firmware for the cortex-m4 board / QEMU mps2-an386 (issue 14).
 *
 * SysTick is the RTOS tick (TICK cycles).  CMSDK TIMER0 wakes the core four times per tick,
 * half a period out of phase with SysTick (wakeup k at (k + 1/2) / 4 ticks), so no wakeup
 * is nearer than 1/8 tick to a tick boundary.  Between wakeups the idle code runs a tickless
 * idle: it writes SYST_RVR while the counter runs - a long sleep of SLEEP_TICKS ticks from
 * wakeup SLEEP_FROM on, one tick again from wakeup SLEEP_UNTIL on - and waits with WFI.
 *
 * ARMv7-M ARM B3.3.1: writing RVR leaves the current count alone; the counter loads RVR on
 * the clock after it reaches 0.  So the tick that is running when the idle code writes RVR
 * still ends on time, and the SysTick handler, which adds the length of the period that just
 * ended, keeps `ticks` equal to the number of whole ticks elapsed at every tick interrupt.
 * Each printed line is a wakeup at which `ticks` changed, with the true elapsed ticks (k / 4)
 * for comparison.  Only the order of events matters, never exact timing, so QEMU (host time)
 * and the emulator (model cycles) print the same text; the periods are long (no event within
 * 12.5 ms of another) so that a loaded host cannot reorder them or merge two TIMER0 wraps into
 * one interrupt.  Exit: SYS_EXIT_EXTENDED, code 0 when the tick accounting checks out, else 1.
 */
#include "hw.h"

#define TICK          2500000u     /* 100 ms at 25 MHz: slow enough for QEMU in host time */
#define T0_PERIOD     (TICK / 4)
#define SLEEP_TICKS   3u
#define SLEEP_FROM    9u           /* wakeup at 2.375 ticks: mid-period */
#define SLEEP_UNTIL   41u          /* wakeup at 10.375 ticks, inside the 9..12 sleep */
#define WAKEUPS       56u
#define EXPECT_TICKS  13u          /* ticks ending at 1, 2, 3, 6, 9, 12, 13 */
#define EXPECT_SYSTICK 7u

static volatile uint32_t ticks;          /* RTOS tick count */
static volatile uint32_t cur_len = 1;    /* ticks the running SysTick period stands for */
static volatile uint32_t next_len = 1;   /* ticks the next period will stand for (= RVR) */
static volatile uint32_t systick_entries;
static volatile uint32_t t0_count;       /* TIMER0 wakeups */
static volatile uint32_t rvr_writes;

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    ticks += cur_len;                     /* the period that just ended */
    cur_len = next_len;                   /* RVR was loaded on the clock after 0 */
    systick_entries++;
}

void timer0_isr(uint32_t exc_return)
{
    (void)exc_return;
    TIMER0_INTCLEAR = 1;
    t0_count++;
}

/* Tickless idle: the sleep length the scheduler wants after wakeup k, written to RVR while
   SysTick runs; interrupts are masked so that next_len and RVR change together. */
static void tickless_idle(uint32_t k)
{
    uint32_t len = (k >= SLEEP_FROM && k < SLEEP_UNTIL) ? SLEEP_TICKS : 1u;
    SYST_RVR = len * TICK - 1u;
    next_len = len;
    rvr_writes++;
}

/* Sleep until TIMER0 has woken the core once more than `k` times (SysTick wakeups go back to
   sleep).  WFI with PRIMASK set wakes on the pending interrupt, taken at cpsie: no lost wakeup. */
static void idle_until_wakeup(uint32_t k)
{
    for (;;) {
        irq_disable();
        if (t0_count != k)
            break;
        tickless_idle(k);
        wfi();
        irq_enable();
    }
    irq_enable();
}

static void line(uint32_t k, uint32_t t)
{
    puts_("wakeup ");
    put_dec(k);
    puts_(" ticks=");
    put_dec(t);
    puts_(" elapsed=");
    put_dec(k / 4u);
    putc_('\n');
}

int main(void)
{
    static uint32_t seen[WAKEUPS + 1];
    uart_init();
    puts_("fwsandbox tickless idle: systick tick, timer0 wakes 4x per tick\n");
    SCB_SHPR3_SYSTICK = 0x80;
    NVIC_IPR(TIMER0_IRQ) = 0x80;
    NVIC_ICPR0 = 1u << TIMER0_IRQ;
    NVIC_ISER0 = 1u << TIMER0_IRQ;

    irq_disable();                        /* start both timers together */
    SYST_RVR = TICK - 1u;
    SYST_CVR = 0;
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = T0_PERIOD - 1u;       /* period T0_PERIOD; also loads VALUE */
    TIMER0_VALUE = T0_PERIOD / 2u;        /* first wakeup half a period in */
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    TIMER0_CTRL = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    irq_enable();

    for (uint32_t k = 0; k < WAKEUPS; k++) {
        idle_until_wakeup(k);
        seen[k + 1] = ticks;              /* ticks at wakeup k, at (k + 1/2) / 4 ticks */
    }
    TIMER0_CTRL = 0;
    SYST_CSR = 0;

    uint32_t bad = 0;
    for (uint32_t k = 0; k < WAKEUPS; k++) {
        uint32_t t = seen[k + 1];
        if (t != seen[k])
            line(k, t);
        if (t > k / 4u)
            bad++;                        /* a tick counted before it had elapsed */
    }
    uint32_t ok = ticks == EXPECT_TICKS && systick_entries == EXPECT_SYSTICK && bad == 0;
    puts_("ticks=");
    put_dec(ticks);
    puts_(" systick entries=");
    put_dec(systick_entries);
    puts_(" timer0 wakeups=");
    put_dec(t0_count);
    puts_(rvr_writes > WAKEUPS ? " rvr rewritten at every idle entry\n" : " rvr writes missing\n");
    puts_(ok ? "tick accounting ok\n" : "tick accounting BAD\n");
    semihost_exit_extended(ok ? 0u : 1u);
}
