/* Book E main of the zero-config RTOS image: thread calls, then 3 PIT0 interrupts (source 59). */
#include "hw.h"

void rtos_isr_body(void);
void rtos_thread_body(void);
static volatile uint32_t ticks;

static void pit0_isr(void)
{
    if (++ticks >= 3u)
        PIT_TCTRL(0) = 0;
    rtos_isr_body();
    PIT_TFLG(0) = PIT_TFLG_TIF;
}

#define S8 spurious_isr, spurious_isr, spurious_isr, spurious_isr, \
           spurious_isr, spurious_isr, spurious_isr, spurious_isr
static void (*const isr_table[64])(void) __attribute__((aligned(2048))) = {
    S8, S8, S8, S8, S8, S8, S8, spurious_isr, spurious_isr, spurious_isr, pit0_isr,
    spurious_isr, spurious_isr, spurious_isr, spurious_isr,
};

void decrementer_isr(void)
{
    mtspr(SPR_TSR, TSR_DIS);
    sim_exit(0x7C);
}

void unexpected_interrupt_c(uint32_t ivor, uint32_t srr0)
{
    (void)srr0;
    puts_("unexpected interrupt\n");
    sim_exit(0x80 + ivor);
}

int main(void)
{
    rtos_thread_body();
    INTC_MCR = 0;
    INTC_IACKR = (uint32_t)isr_table;
    INTC_PSR(PIT_SOURCE(0)) = 2;
    INTC_CPR = 0;
    PIT_MCR = 0;
    PIT_LDVAL(0) = 2999;
    PIT_TFLG(0) = PIT_TFLG_TIF;
    PIT_TCTRL(0) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
    irq_enable();
    while (ticks < 3u)
        ;
    puts_("rtos api demo done\n");
    sim_exit(0);
    return 0;
}
