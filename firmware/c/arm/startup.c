/* Vector table, reset handler (.data copy, .bss zero) and exception entry shims. */
#include "hw.h"

extern uint32_t __msp_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void SysTick_Handler(void);
void TIMER0_Handler(void);
int main(void);

typedef void (*vector_t)(void);

/* 16 system exceptions followed by external IRQs 0..31. */
__attribute__((section(".vectors"), used))
const vector_t vector_table[16 + 32] = {
    [0]  = (vector_t)__msp_top,
    [1]  = Reset_Handler,
    [2]  = Default_Handler,          /* NMI */
    [3]  = Default_Handler,          /* HardFault */
    [4]  = Default_Handler,          /* MemManage */
    [5]  = Default_Handler,          /* BusFault */
    [6]  = Default_Handler,          /* UsageFault */
    [11] = Default_Handler,          /* SVCall */
    [12] = Default_Handler,          /* DebugMonitor */
    [14] = Default_Handler,          /* PendSV */
    [15] = SysTick_Handler,
    [16 + TIMER0_IRQ] = TIMER0_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; )
        *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end; )
        *dst++ = 0;
    main();
    semihost_exit_extended(0x7E);      /* main must not return */
}

void Default_Handler(void)
{
    uart_init();
    puts_("unexpected exception ");
    put_dec(get_ipsr());
    puts_("\n");
    semihost_exit_extended(0x7F);
}

/*
 * Entry shims: hand the EXC_RETURN value in LR to the C handler as its first
 * argument.  A tail branch keeps LR intact, so the C handler's own return
 * (bx lr / pop {pc}) performs the exception return.
 */
__asm__(
    "  .text\n"
    "  .thumb\n"
    "  .global SysTick_Handler\n"
    "  .type SysTick_Handler, %function\n"
    "  .thumb_func\n"
    "SysTick_Handler:\n"
    "  mov r0, lr\n"
    "  b systick_isr\n"
    "  .size SysTick_Handler, . - SysTick_Handler\n"
    "  .global TIMER0_Handler\n"
    "  .type TIMER0_Handler, %function\n"
    "  .thumb_func\n"
    "TIMER0_Handler:\n"
    "  mov r0, lr\n"
    "  b timer0_isr\n"
    "  .size TIMER0_Handler, . - TIMER0_Handler\n"
    /* void start_thread_on_psp(void (*fn)(void), uint32_t *stack_top) */
    "  .global start_thread_on_psp\n"
    "  .type start_thread_on_psp, %function\n"
    "  .thumb_func\n"
    "start_thread_on_psp:\n"
    "  msr psp, r1\n"
    "  movs r2, #2\n"               /* CONTROL.SPSEL = 1: thread mode uses PSP */
    "  msr control, r2\n"
    "  isb\n"
    "  bx r0\n"
    "  .size start_thread_on_psp, . - start_thread_on_psp\n"
);
