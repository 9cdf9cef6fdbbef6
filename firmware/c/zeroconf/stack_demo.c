/* Interrupt-stack overflow with only a toolchain's linker symbols (issue 15): the MSP stack is
 * 1 KiB below vector[0] (__StackLimit in CMSIS style, _estack - _Min_Stack_Size in STM32Cube
 * style, set by zeroconf.mk); the SysTick handler's recursion needs more on its 3rd tick. */
#include <stdint.h>
#include "hw.h"

static volatile uint32_t ticks, sink;

static uint32_t __attribute__((noinline)) dig(uint32_t depth)
{
    volatile uint32_t frame[16];
    for (uint32_t i = 0; i < 16; i++)
        frame[i] = depth + i;
    return depth ? dig(depth - 1) + frame[3] : frame[5];
}

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    ticks++;
    sink = dig(ticks == 3 ? DEPTH : 2);
}

void timer0_isr(uint32_t exc_return) { (void)exc_return; }

int main(void)
{
    uart_init();
    SYST_RVR = 4000 - 1;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    while (ticks < 4)
        wfi();
    SYST_CSR = 0;
    puts_("stack demo done\n");
    semihost_exit(0x20026);
    return 0;
}
