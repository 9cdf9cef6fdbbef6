/*
 * Two PIT channels timing out a few cycles apart (issue 21), e200-mcu board, INTC software
 * vector mode.  PIT0 (source 59, priority 2) every PIT0_LDVAL + 1 cycles, PIT1 (source 60,
 * priority 4) every PIT1_LDVAL + 1 cycles, PIT1 started a few instructions after PIT0: every
 * 100,000 cycles PIT0 times out first, IVOR4 is taken for it, and PIT1 times out before the
 * handler reads IACKR, which then acknowledges PIT1 (MPC5554 RM 10.4.3.1.1); PIT0 is taken
 * after PIT1's EOIR.  The ISRs count themselves; PIT0's PIT0_ENTRIES-th stops both channels.
 * Exit: the sim-control register, status 0 when the counts are the designed ones.
 */
#include "hw.h"

#define PIT0_LDVAL   49999u
#define PIT1_LDVAL   19999u
#define PRIO_PIT0    2u
#define PRIO_PIT1    4u
#define PIT0_ENTRIES 20u
#define PIT1_ENTRIES 50u       /* (PIT0_LDVAL + 1) * PIT0_ENTRIES / (PIT1_LDVAL + 1) */
#define PIT1_OVER    10u       /* PIT1 entries while PIT0 was pending too: one per 100,000 */

static volatile uint32_t pit0_count, pit1_count, pit1_over_pit0;

static void pit0_isr(void)
{
    PIT_TFLG(0) = PIT_TFLG_TIF;
    if (++pit0_count >= PIT0_ENTRIES) {
        PIT_TCTRL(0) = 0;
        PIT_TCTRL(1) = 0;
    }
}

static void pit1_isr(void)
{
    PIT_TFLG(1) = PIT_TFLG_TIF;
    pit1_count++;
    if (PIT_TFLG(0) & PIT_TFLG_TIF)
        pit1_over_pit0++;      /* PIT0 timed out first and waits for this EOIR */
}

/* Software vector mode: IACKR returns &isr_table[source]. */
static void (*const isr_table[64])(void) __attribute__((aligned(2048))) = {
    SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, /* 0-55 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 56-58 */
    pit0_isr,                                                                 /* 59: PIT0 */
    pit1_isr,                                                                 /* 60: PIT1 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 61-63 */
};
_Static_assert(PIT_SOURCE(0) == 59 && PIT_SOURCE(1) == 60, "isr_table layout");

int main(void)
{
    puts_("fwsandbox pit pair: e200-mcu\n");
    INTC_MCR = 0;
    INTC_IACKR = (uint32_t)isr_table;      /* VTBA */
    INTC_PSR(PIT_SOURCE(0)) = PRIO_PIT0;
    INTC_PSR(PIT_SOURCE(1)) = PRIO_PIT1;
    INTC_CPR = 0;
    PIT_MCR = 0;
    PIT_LDVAL(0) = PIT0_LDVAL;
    PIT_LDVAL(1) = PIT1_LDVAL;
    irq_enable();
    PIT_TCTRL(0) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
    PIT_TCTRL(1) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;   /* a few cycles after PIT0 */
    while (pit0_count < PIT0_ENTRIES)
        ;
    puts_("pit0 entries=");
    put_dec(pit0_count);
    puts_(" pit1 entries=");
    put_dec(pit1_count);
    puts_(" pit1 with pit0 pending=");
    put_dec(pit1_over_pit0);
    putc_('\n');
    sim_exit(pit0_count == PIT0_ENTRIES && pit1_count == PIT1_ENTRIES
             && pit1_over_pit0 == PIT1_OVER ? 0 : 1);
}
