/* Unaligned accesses (issue 21, ARMv7-M ARM A3.2.1): an unaligned LDR is allowed, an unaligned
 * LDRD is not.  With UsageFault enabled (SHCSR.USGFAULTENA, B3.2.13) the LDRD takes exception 6,
 * whose handler (startup.c) prints its number; QEMU mps2-an386 is the oracle for the console. */
#include "hw.h"

void systick_isr(uint32_t exc_return) { (void)exc_return; }
void timer0_isr(uint32_t exc_return) { (void)exc_return; }

static volatile uint8_t bytes[16] __attribute__((aligned(4))) =
    {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

int main(void)
{
    uint32_t word, lo, hi;
    uart_init();
    *(volatile uint32_t *)0xE000ED24 |= 1u << 18;             /* SHCSR.USGFAULTENA */
    __asm__ volatile ("ldr %0, [%1]" : "=r"(word) : "r"(bytes + 1) : "memory");
    puts_("unaligned ldr: ");
    put_hex(word);
    puts_("\n");
    __asm__ volatile ("ldrd %0, %1, [%2]" : "=r"(lo), "=r"(hi) : "r"(bytes + 2) : "memory");
    puts_("unaligned ldrd did not fault: ");
    put_hex(lo ^ hi);
    puts_("\n");
    semihost_exit_extended(0);
}
