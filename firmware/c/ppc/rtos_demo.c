/*
 * RTOS-style allocation demo for the e200-mcu board (Book E, INTC software vector mode), the
 * twin of arm/rtos_demo.c.  Allocators with names of their own (../rtos): the first-fit heap
 * pvPortMalloc/vPortFree for thread code and fixed-block pools osPoolAlloc/osPoolFree that
 * mask interrupts (MSR[EE] save/restore).
 *
 * The thread uses both allocators correctly.  Then PIT channel 0 (INTC source 59) fires
 * MSG_COUNT times; its ISR takes an event block from a pool (allowed in an interrupt) and --
 * the bug that firmware/c/rules/rtos.toml lets fwsandbox report -- a message buffer from
 * pvPortMalloc, which is not interrupt-safe.  The thread spins meanwhile, then prints and
 * frees every message.  Exit code 0, written to the simulator control register.
 */
#include "hw.h"
#include "rtos.h"

#define MSG_COUNT   4u
#define MSG_BYTES   16u
#define PIT0_LDVAL  4999u
#define PRIO_PIT0   2u
#define EVENT_COUNT 8u

typedef struct event {
    uint32_t seq;
    uint32_t depth;
} event_t;

static osPool_t event_pool;
static event_t event_buf[EVENT_COUNT];

static volatile uint32_t pit0_count;
static event_t *inbox_event[MSG_COUNT];
static char *inbox_text[MSG_COUNT];

static void format_message(char *text, uint32_t seq)
{
    const char *prefix = "timer msg ";
    while (*prefix)
        *text++ = *prefix++;
    *text++ = (char)('0' + seq % 10u);
    *text = '\0';
}

/* PIT channel 0: one event and one message per interrupt. */
static void pit0_isr(void)
{
    uint32_t n = pit0_count;
    if (n + 1u >= MSG_COUNT)
        PIT_TCTRL(0) = 0;                     /* stop before acknowledging the last one */
    event_t *event = osPoolAlloc(&event_pool);                 /* fine: masks interrupts */
    char *text = pvPortMalloc(MSG_BYTES);     /* BUG(isr-heap): pvPortMalloc in an ISR */
    if (event != NULL) {
        event->seq = n + 1u;
        event->depth = irq_nesting;
    }
    if (text != NULL)
        format_message(text, n + 1u);
    inbox_event[n] = event;
    inbox_text[n] = text;
    PIT_TFLG(0) = PIT_TFLG_TIF;
    pit0_count = n + 1u;
}

/* Software vector mode: IACKR returns &isr_table[source]. */
static void (*const isr_table[64])(void) __attribute__((aligned(2048))) = {
    SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, /* 0-55 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 56-58 */
    pit0_isr,                                                                 /* 59: PIT0 */
    spurious_isr, spurious_isr, spurious_isr, spurious_isr,                   /* 60-63 */
};
_Static_assert(PIT_SOURCE(0) == 59, "isr_table layout");

static void pit0_start(void)
{
    INTC_MCR = 0;                             /* software vector mode, 4-byte entries */
    INTC_IACKR = (uint32_t)isr_table;         /* VTBA */
    INTC_PSR(PIT_SOURCE(0)) = PRIO_PIT0;
    INTC_CPR = 0;
    PIT_MCR = 0;                              /* enable the PIT module */
    PIT_LDVAL(0) = PIT0_LDVAL;
    PIT_TFLG(0) = PIT_TFLG_TIF;
    PIT_TCTRL(0) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
}

static void drain_inbox(void)
{
    for (uint32_t i = 0; i < MSG_COUNT; i++) {
        puts_(inbox_text[i] != NULL ? inbox_text[i] : "no text");
        puts_(" seq=");
        put_dec(inbox_event[i] != NULL ? inbox_event[i]->seq : 0u);
        puts_(" depth=");
        put_dec(inbox_event[i] != NULL ? inbox_event[i]->depth : 0u);
        putc_('\n');
        vPortFree(inbox_text[i]);
        osPoolFree(&event_pool, inbox_event[i]);
    }
}

int main(void)
{
    puts_("fwsandbox rtos firmware: e200-mcu\n");
    osPoolCreate(&event_pool, event_buf, sizeof(event_t), EVENT_COUNT);
    size_t heap_total = xPortGetFreeHeapSize();
    rtos_heap_selftest();
    rtos_pool_selftest(&event_pool);
    pit0_start();
    irq_enable();
    while (pit0_count < MSG_COUNT)
        ;
    drain_inbox();
    puts_("heap restored=");
    put_dec(xPortGetFreeHeapSize() == heap_total);
    puts_(" pool restored=");
    put_dec(event_pool.nfree == EVENT_COUNT);
    puts_("\nexit 0\n");
    sim_exit(0);
}
