/*
 * Benchmark firmware for tools/bench.py: CoreMark-like compute kernels (CRC-32, a linked list,
 * an integer matrix multiply, a character-class state machine) in thread mode while SysTick
 * interrupts every TICK cycles (TICK = 0: SysTick stays off).
 *   coremark.elf: TICK = 0, ROUNDS = 640 (long compute, no interrupts: bare Unicorn runs it too)
 *   compute.elf : TICK = 100000, ROUNDS = 480 (compute with a slow heartbeat)
 *   irqheavy.elf: TICK = 2000, ROUNDS = 160 (an interrupt-heavy image)
 * The handler does a little work of its own (a CRC step over its tick count) so that interrupt
 * entry, handler code and exception return all show in the measurement.  Prints one checksum
 * line and exits 0 through semihosting; the checksum depends only on the kernels and the number
 * of ticks taken, never on host time.
 */
#include "hw.h"

#ifndef TICK
#define TICK 100000u
#endif
#ifndef ROUNDS
#define ROUNDS 24u
#endif

#define N_NODES 256u
#define DIM 12u

extern uint32_t __msp_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void SysTick_Handler(void);

__attribute__((section(".vectors"), used))
const void *const vector_table[16] = {
    [0] = __msp_top, [1] = Reset_Handler, [2] = Default_Handler, [3] = Default_Handler,
    [4] = Default_Handler, [5] = Default_Handler, [6] = Default_Handler,
    [11] = Default_Handler, [14] = Default_Handler, [15] = SysTick_Handler,
};

static volatile uint32_t ticks, tick_crc;

struct node { struct node *next; uint32_t key; };
static struct node nodes[N_NODES];
static uint8_t buffer[2048];
static int32_t ma[DIM][DIM], mb[DIM][DIM], mc[DIM][DIM];

void SysTick_Handler(void)
{
    uint32_t t = ticks + 1;
    ticks = t;
    tick_crc = crc32(tick_crc, &t, sizeof t);
}

void Default_Handler(void)
{
    semihost_exit_extended(0x7F);
}

static uint32_t lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Insert every node into a list sorted by key, then walk it: pointer chasing and branches. */
static uint32_t list_kernel(uint32_t seed)
{
    struct node *head = 0;
    for (uint32_t i = 0; i < N_NODES; i++) {
        struct node *n = &nodes[i], **at = &head;
        n->key = lcg(&seed) & 0xFFFF;
        while (*at && (*at)->key < n->key)
            at = &(*at)->next;
        n->next = *at;
        *at = n;
    }
    uint32_t sum = 0;
    for (struct node *n = head; n; n = n->next)
        sum = sum * 31u + n->key;
    return sum;
}

static uint32_t matrix_kernel(uint32_t seed)
{
    for (uint32_t i = 0; i < DIM; i++)
        for (uint32_t j = 0; j < DIM; j++) {
            ma[i][j] = (int32_t)(lcg(&seed) & 0xFF) - 128;
            mb[i][j] = (int32_t)(lcg(&seed) & 0xFF) - 128;
        }
    uint32_t trace = 0;
    for (uint32_t i = 0; i < DIM; i++)
        for (uint32_t j = 0; j < DIM; j++) {
            int32_t acc = 0;
            for (uint32_t k = 0; k < DIM; k++)
                acc += ma[i][k] * mb[k][j];
            mc[i][j] = acc;
        }
    for (uint32_t i = 0; i < DIM; i++)
        trace += (uint32_t)mc[i][i];
    return trace;
}

/* Classify the characters of the buffer as a number scanner would (sign, digits, point,
 * exponent, anything else): a switch on the state and the character class, data-dependent
 * branches as in CoreMark's state kernel.  Returns the visits of each final state, mixed. */
enum { S_START, S_SIGN, S_INT, S_POINT, S_FRAC, S_EXP, S_EXPSIGN, S_EXPINT, S_BAD, S_COUNT };

static uint32_t state_step(uint32_t state, uint8_t c)
{
    int digit = c >= '0' && c <= '9';
    switch (state) {
    case S_START: return digit ? S_INT : (c == '+' || c == '-') ? S_SIGN : c == '.' ? S_POINT : S_BAD;
    case S_SIGN: return digit ? S_INT : c == '.' ? S_POINT : S_BAD;
    case S_INT: return digit ? S_INT : c == '.' ? S_POINT : (c == 'e' || c == 'E') ? S_EXP : S_BAD;
    case S_POINT: return digit ? S_FRAC : S_BAD;
    case S_FRAC: return digit ? S_FRAC : (c == 'e' || c == 'E') ? S_EXP : S_BAD;
    case S_EXP: return digit ? S_EXPINT : (c == '+' || c == '-') ? S_EXPSIGN : S_BAD;
    case S_EXPSIGN: return digit ? S_EXPINT : S_BAD;
    case S_EXPINT: return digit ? S_EXPINT : S_BAD;
    default: return S_BAD;
    }
}

static uint32_t state_kernel(uint32_t seed)
{
    static const char alphabet[16] = "0123456789+-.eE,";
    uint32_t finals[S_COUNT] = {0}, state = S_START, mix = 0;
    for (uint32_t i = 0; i < sizeof buffer; i++)
        buffer[i] = (uint8_t)alphabet[lcg(&seed) & 15u];
    for (uint32_t i = 0; i < sizeof buffer; i++) {
        if (buffer[i] == ',') {           /* a separator ends one token */
            finals[state]++;
            state = S_START;
            continue;
        }
        state = state_step(state, buffer[i]);
    }
    for (uint32_t s = 0; s < S_COUNT; s++)
        mix = mix * 33u + finals[s];
    return mix;
}

static uint32_t crc_kernel(uint32_t seed)
{
    for (uint32_t i = 0; i < sizeof buffer; i++)
        buffer[i] = (uint8_t)lcg(&seed);
    return crc32(0, buffer, sizeof buffer);
}

int main(void)
{
    uart_init();
    SCB_SHPR3_SYSTICK = 0x80;
    if (TICK) {
        SYST_RVR = TICK - 1u;
        SYST_CVR = 0;
        SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    }
    uint32_t check = 0;
    for (uint32_t round = 0; round < ROUNDS; round++)
        check ^= crc_kernel(round) + list_kernel(round * 7u) + matrix_kernel(round * 13u)
             + state_kernel(round * 5u);
    SYST_CSR = 0;
    puts_("bench: checksum ");
    put_hex(check);
    puts_(" ticks ");
    put_dec(ticks);
    puts_("\n");
    semihost_exit_extended(0);
}

void Reset_Handler(void)
{
    uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; )
        *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end; )
        *dst++ = 0;
    main();
    semihost_exit_extended(0x7E);
}
