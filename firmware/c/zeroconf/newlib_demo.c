/* Zero-configuration newlib demo (issue 15): SysTick calls newlib's malloc in interrupt
 * context (-DPRINTF_IN_ISR: printf, which allocates its stdout buffer).  -DCLEAN: the handler only
 * counts ticks; the thread allocates and prints.  Runs on MSP, no rules file needed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "hw.h"

static volatile uint32_t ticks;
static void *volatile from_isr;

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    ticks++;
#if defined(PRINTF_IN_ISR)
    if (ticks == 2)                                 /* BUG: newlib's printf reaches _malloc_r */
        printf("tick %lu\n", (unsigned long)ticks); /* (a tail call: LR is EXC_RETURN) */
#elif !defined(CLEAN)
    if (ticks == 2)
        from_isr = malloc(24);                      /* BUG(isr-malloc) */
#endif
}

void timer0_isr(uint32_t exc_return) { (void)exc_return; }

int main(void)
{
    uart_init();
    void *a = malloc(40);
    free(a);
    SYST_RVR = 2000 - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    while (ticks < 4)
        wfi();
    SYST_CSR = 0;
#ifdef CLEAN
    printf("newlib clean ticks=%lu\n", (unsigned long)ticks);
#endif
    free(from_isr);
    puts_("newlib demo done\n");
    semihost_exit(0x20026);                        /* ADP_Stopped_ApplicationExit */
    return 0;
}
