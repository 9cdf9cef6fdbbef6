/* Cortex-M main of the zero-config RTOS image: thread calls, then 3 SysTick interrupts. */
#include <stdint.h>
#include "hw.h"

void rtos_isr_body(void);
void rtos_thread_body(void);
static volatile uint32_t ticks;

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    if (++ticks <= 3)
        rtos_isr_body();
}

void timer0_isr(uint32_t exc_return) { (void)exc_return; }

int main(void)
{
    uart_init();
    rtos_thread_body();
    SYST_RVR = 3000 - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    while (ticks < 4)
        wfi();
    SYST_CSR = 0;
    puts_("rtos api demo done\n");
    semihost_exit(0x20026);
    return 0;
}
