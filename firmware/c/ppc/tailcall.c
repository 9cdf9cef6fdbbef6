/*
 * Tail-call demo for the e200-mcu board (../tailcall/tcdemo.c does the work): PIT0 (INTC
 * source 59) fires TC_ISR_FREES times and its handler frees one posted block each time, on
 * the interrupt stack start.S switches to.  Exit: the sim-control register, status 0.
 */
#include "hw.h"
#include "../tailcall/tcdemo.h"

#define PIT0_LDVAL 3999u
#define PRIO_PIT0  2u

static void pit0_isr(void)
{
    if (tc_isr_count + 1u >= TC_ISR_FREES)
        PIT_TCTRL(0) = 0;
    tc_isr_work();
    PIT_TFLG(0) = PIT_TFLG_TIF;
}

/* Software vector mode: IACKR returns &isr_table[source]. */
static void (*const isr_table[64])(void) __attribute__((aligned(2048))) = {
    SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, /* 0-55 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 56-58 */
    pit0_isr,                                                                 /* 59: PIT0 */
    spurious_isr, spurious_isr, spurious_isr, spurious_isr,                   /* 60-63 */
};
_Static_assert(PIT_SOURCE(0) == 59, "isr_table layout");

void unexpected_interrupt_c(uint32_t ivor, uint32_t srr0)
{
    puts_("unexpected interrupt IVOR");
    put_dec(ivor);
    puts_(" srr0=");
    put_hex(srr0);
    puts_("\n");
    sim_exit(0x80 + ivor);
}

int main(void)
{
    puts_("fwsandbox tail-call firmware: e200-mcu\n");
    tc_thread_before_timer();
    INTC_MCR = 0;
    INTC_IACKR = (uint32_t)isr_table;
    INTC_PSR(PIT_SOURCE(0)) = PRIO_PIT0;
    INTC_CPR = 0;
    PIT_MCR = 0;
    PIT_LDVAL(0) = PIT0_LDVAL;
    PIT_TFLG(0) = PIT_TFLG_TIF;
    PIT_TCTRL(0) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
    irq_enable();
    while (tc_isr_count < TC_ISR_FREES)
        ;
    tc_thread_after_timer();
    puts_("exit 0\n");
    sim_exit(0);
}
