/*
 * Tail-call demo for the cortex-m4 board / QEMU mps2-an386 (../tailcall/tcdemo.c does the
 * work): the thread runs on PSP, TIMER0 (IRQ 8) fires TC_ISR_FREES times and its handler frees
 * one posted block each time, on MSP.  Exit: semihosting SYS_EXIT, status 0.
 */
#include "hw.h"
#include "../tailcall/tcdemo.h"

#define T0_RELOAD 3000u

static uint32_t thread_stack[512] __attribute__((aligned(8)));

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
}

void timer0_isr(uint32_t exc_return)
{
    (void)exc_return;
    if (tc_isr_count + 1u >= TC_ISR_FREES)
        TIMER0_CTRL = 0;
    tc_isr_work();
    TIMER0_INTCLEAR = 1;
}

static void thread_main(void)
{
    tc_thread_before_timer();
    TIMER0_CTRL = 0;
    TIMER0_INTCLEAR = 1;
    TIMER0_RELOAD = T0_RELOAD;
    TIMER0_VALUE = T0_RELOAD;
    TIMER0_CTRL = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
    while (tc_isr_count < TC_ISR_FREES)
        wfi();
    tc_thread_after_timer();
    puts_("exit 0 via SYS_EXIT\n");
    semihost_exit(0x20026);
}

int main(void)
{
    uart_init();
    puts_("fwsandbox tail-call firmware: cortex-m4\n");
    NVIC_IPR(TIMER0_IRQ) = 0x40;
    NVIC_ICPR0 = 1u << TIMER0_IRQ;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    irq_enable();
    start_thread_on_psp(thread_main, thread_stack + 512);
}
