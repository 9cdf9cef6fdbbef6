/* ARMv8-M stack limit (issue 16): MSPLIM 256 bytes below the main stack, then an SP decrement
 * past it takes UsageFault STKOF (exception 6, whose handler in startup.c prints its number),
 * as on QEMU mps2-an505.  SP stays where it was, so the exception frame fits above the limit.
 * First the board facts the QEMU machine has: CPUID, the interrupt lines (ICTR) and how many
 * priority bits an IPR byte keeps. */
#include "hw.h"

void systick_isr(uint32_t exc_return) { (void)exc_return; }
void timer0_isr(uint32_t exc_return) { (void)exc_return; }

int main(void)
{
    uint32_t limit = (get_sp() - 256u) & ~7u;
    uart_init();
    puts_("cpuid=");
    put_hex(REG32(0xE000ED00u));
    puts_(" ictr=");
    put_hex(REG32(0xE000E004u));
    NVIC_IPR(0) = 0xFF;
    puts_(" ipr0=");
    put_hex(NVIC_IPR(0));
    puts_("\n");
    *(volatile uint32_t *)0xE000ED24 |= 1u << 18;             /* SHCSR.USGFAULTENA */
    __asm__ volatile ("msr msplim, %0" : : "r"(limit) : "memory");
    puts_("msplim set\n");
    __asm__ volatile ("sub sp, sp, #512\n\tadd sp, sp, #512" : : : "memory");
    puts_("sp went below msplim without a fault\n");
    semihost_exit_extended(0);
}
