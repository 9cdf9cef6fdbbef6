/* Tiny freestanding helpers: UART output, number formatting, CRC-32, semihosting exit. */
#include "hw.h"

void uart_init(void)
{
    UART0_CTRL = UART_CTRL_TXEN;       /* QEMU drops bytes while TX is disabled */
}

void putc_(char c)
{
    while (UART0_STATE & UART_STATE_TXFULL)
        ;
    UART0_DATA = (uint8_t)c;
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

/* ARM semihosting: r0 = operation, r1 = argument, trap with bkpt 0xab. */
static void semihost_call(uint32_t op, uint32_t arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register uint32_t r1 __asm__("r1") = arg;
    __asm__ volatile ("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void semihost_exit_extended(uint32_t code)
{
    static volatile uint32_t block[2];
    block[0] = 0x20026;                /* ADS_Stopped_ApplicationExit */
    block[1] = code;
    semihost_call(0x20, (uint32_t)block);   /* SYS_EXIT_EXTENDED */
    for (;;)
        ;
}

void semihost_exit(uint32_t reason)
{
    semihost_call(0x18, reason);       /* SYS_EXIT: 0x20026 means exit status 0 */
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
