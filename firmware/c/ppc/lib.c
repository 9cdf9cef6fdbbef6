/* Tiny freestanding helpers: UART output, number formatting, CRC-32, simulator exit. */
#include "hw.h"

void putc_(char c)
{
    UART_BDRL = (uint8_t)c;
}

void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

void put_hex(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4)
        putc_("0123456789abcdef"[(v >> shift) & 0xF]);
}

void put_dec(uint32_t v)
{
    char buf[11];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        putc_(buf[--i]);
}

uint32_t crc32(uint32_t crc, const void *data, uint32_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1u));
    }
    return ~crc;
}

void sim_exit(uint32_t code)
{
    SIMCTL_EXIT = code;
    for (;;)
        ;
}

/* GCC may emit calls to these even with -ffreestanding. */
void *memcpy(void *dst, const void *src, unsigned int n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, unsigned int n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

/* The default handlers the images share (an image defines its own to override the weak ones). */
void spurious_isr(void)
{
    puts_("spurious INTC vector\n");
    sim_exit(0x7D);
}

__attribute__((weak)) void decrementer_isr(void)
{
    mtspr(SPR_TSR, TSR_DIS);
    puts_("unexpected decrementer\n");
    sim_exit(0x7C);
}

__attribute__((weak)) void unexpected_interrupt_c(uint32_t ivor, uint32_t srr0)
{
    puts_("unexpected interrupt IVOR");
    put_dec(ivor);
    puts_(" srr0=");
    put_hex(srr0);
    putc_('\n');
    sim_exit(0x80 + ivor);
}
