/* Registers and helpers of the cortex-m4 board (QEMU mps2-an386 map); a board with another map
 * (cortex-m33: mps2-an505) overrides UART0_BASE, TIMER0_BASE and TIMER0_IRQ with -D. */
#ifndef HW_H
#define HW_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(addr))

#ifndef UART0_BASE
#define UART0_BASE   0x40004000u
#endif
#ifndef TIMER0_BASE
#define TIMER0_BASE  0x40000000u
#endif
#ifndef TIMER0_IRQ
#define TIMER0_IRQ   8u
#endif

/* CMSDK APB UART0 */
#define UART0_DATA   REG32(UART0_BASE)
#define UART0_STATE  REG32(UART0_BASE + 4u)
#define UART0_CTRL   REG32(UART0_BASE + 8u)
#define UART_STATE_TXFULL 1u
#define UART_CTRL_TXEN    1u

/* CMSDK APB TIMER0 (NVIC IRQ 8 on mps2-an386) */
#define TIMER0_CTRL      REG32(TIMER0_BASE)
#define TIMER0_VALUE     REG32(TIMER0_BASE + 4u)
#define TIMER0_RELOAD    REG32(TIMER0_BASE + 8u)
#define TIMER0_INTCLEAR  REG32(TIMER0_BASE + 0xCu)
#define TIMER_CTRL_EN    1u
#define TIMER_CTRL_IRQEN 8u

/* SysTick */
#define SYST_CSR  REG32(0xE000E010u)
#define SYST_RVR  REG32(0xE000E014u)
#define SYST_CVR  REG32(0xE000E018u)
#define SYST_CSR_ENABLE    1u
#define SYST_CSR_TICKINT   2u
#define SYST_CSR_CLKSOURCE 4u

/* NVIC and SCB */
#define NVIC_ISER0  REG32(0xE000E100u)
#define NVIC_ICPR0  REG32(0xE000E280u)
#define NVIC_IPR(n) REG8(0xE000E400u + (n))
#define SCB_ICSR    REG32(0xE000ED04u)
#define SCB_SHPR3_SYSTICK REG8(0xE000ED23u)
#define ICSR_PENDSTCLR (1u << 25)

static inline uint32_t get_ipsr(void)
{
    uint32_t v;
    __asm__ volatile ("mrs %0, ipsr" : "=r"(v));
    return v;
}

static inline uint32_t get_control(void)
{
    uint32_t v;
    __asm__ volatile ("mrs %0, control" : "=r"(v));
    return v;
}

static inline uint32_t get_psp(void)
{
    uint32_t v;
    __asm__ volatile ("mrs %0, psp" : "=r"(v));
    return v;
}

static inline uint32_t get_sp(void)
{
    uint32_t v;
    __asm__ volatile ("mov %0, sp" : "=r"(v));
    return v;
}

static inline void wfi(void)       { __asm__ volatile ("wfi" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile ("cpsie i" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile ("cpsid i" ::: "memory"); }

/* lib.c */
void uart_init(void);
void putc_(char c);
void puts_(const char *s);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
uint32_t crc32(uint32_t crc, const void *data, uint32_t len);
void semihost_exit_extended(uint32_t code) __attribute__((noreturn));
void semihost_exit(uint32_t reason) __attribute__((noreturn));

/* startup.c */
void start_thread_on_psp(void (*fn)(void), uint32_t *stack_top) __attribute__((noreturn));

#endif
