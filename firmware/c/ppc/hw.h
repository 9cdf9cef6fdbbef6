/* Registers and helpers of the e200-mcu board (MPC55xx/56xx-style map). */
#ifndef HW_H
#define HW_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define REG8(addr)  (*(volatile uint8_t *)(addr))

/* INTC (MPC5554 layout), software vector mode */
#define INTC_MCR      REG32(0xFFF48000u)
#define INTC_CPR      REG32(0xFFF48008u)
#define INTC_IACKR    REG32(0xFFF48010u)
#define INTC_EOIR     REG32(0xFFF48018u)
#define INTC_PSR(src) REG8(0xFFF48040u + (src))

/* PIT (MPC5604B layout); channel n -> INTC source 59 + n */
#define PIT_MCR         REG32(0xC3FF0000u)
#define PIT_LDVAL(n)    REG32(0xC3FF0100u + 0x10u * (n))
#define PIT_CVAL(n)     REG32(0xC3FF0104u + 0x10u * (n))
#define PIT_TCTRL(n)    REG32(0xC3FF0108u + 0x10u * (n))
#define PIT_TFLG(n)     REG32(0xC3FF010Cu + 0x10u * (n))
#define PIT_TCTRL_TEN   1u
#define PIT_TCTRL_TIE   2u
#define PIT_TFLG_TIF    1u
#define PIT_SOURCE(n)   (59u + (n))

/* LINFlex-style console UART and the simulator's exit register */
#define UART_BDRL     REG8(0xFFE40038u)
#define SIMCTL_EXIT   REG32(0xFFFEC000u)

/* Book E timer SPRs */
#define SPR_DEC   22
#define SPR_DECAR 54
#define SPR_TSR   336
#define SPR_TCR   340
#define TCR_DIE   0x04000000u
#define TCR_ARE   0x00400000u
#define TSR_DIS   0x08000000u

#define mtspr(spr, v) __asm__ volatile ("mtspr %0, %1" :: "i"(spr), "r"(v) : "memory")
#define mfspr(spr) ({ uint32_t v_; __asm__ volatile ("mfspr %0, %1" : "=r"(v_) : "i"(spr)); v_; })

static inline void irq_enable(void)  { __asm__ volatile ("wrteei 1" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile ("wrteei 0" ::: "memory"); }

static inline uint32_t get_msr(void)
{
    uint32_t v;
    __asm__ volatile ("mfmsr %0" : "=r"(v));
    return v;
}

static inline uint32_t get_sp(void)
{
    uint32_t v;
    __asm__ volatile ("mr %0, 1" : "=r"(v));
    return v;
}

/* lib.c */
void putc_(char c);
void puts_(const char *s);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
uint32_t crc32(uint32_t crc, const void *data, uint32_t len);
void sim_exit(uint32_t code) __attribute__((noreturn));

/* lib.c: the INTC's spurious-vector handler, and eight of it for software vector tables. */
void spurious_isr(void);
#define SPURIOUS8 spurious_isr, spurious_isr, spurious_isr, spurious_isr, \
                  spurious_isr, spurious_isr, spurious_isr, spurious_isr

/* start.S */
extern volatile uint32_t irq_nesting;   /* interrupt handlers currently active */
extern uint32_t irq_stack[], irq_stack_top[];

#endif
