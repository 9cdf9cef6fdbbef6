/*
 * RTOS-style allocation demo for the cortex-m4 board / QEMU mps2-an386.  Its allocators have
 * names of their own (../rtos): a first-fit heap pvPortMalloc/vPortFree for thread code and
 * fixed-block pools osPoolAlloc/osPoolFree that mask interrupts (PRIMASK save/restore).
 *
 * The thread (on PSP) uses both allocators correctly.  Then TIMER0 (IRQ 8) fires MSG_COUNT
 * times; its handler takes an event block from a pool (allowed in an interrupt) and -- the
 * bug that firmware/c/rules/rtos.toml lets fwsandbox report -- a message buffer from
 * pvPortMalloc, which is not interrupt-safe.  The thread sleeps in WFI meanwhile, then
 * prints and frees every message.  Everything printed depends only on the order of events.
 * Exit: semihosting SYS_EXIT, status 0.
 */
#include "hw.h"
#include "rtos.h"

#define MSG_COUNT   4u
#define MSG_BYTES   16u
#define T0_RELOAD   4000u
#define EVENT_COUNT 8u

typedef struct event {
    uint32_t seq;
    uint32_t ipsr;
} event_t;

static osPool_t event_pool;
static event_t event_buf[EVENT_COUNT];
static uint32_t thread_stack[512] __attribute__((aligned(8)));

static volatile uint32_t os_ticks;
static volatile uint32_t t0_count;
static event_t *inbox_event[MSG_COUNT];
static char *inbox_text[MSG_COUNT];

/* The OS tick (SysTick_Handler shim); this demo does not start SysTick. */
void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    os_ticks++;
}

static void format_message(char *text, uint32_t seq)
{
    const char *prefix = "timer msg ";
    while (*prefix)
        *text++ = *prefix++;
    *text++ = (char)('0' + seq % 10u);
    *text = '\0';
}

/* Called from the TIMER0_Handler shim: one event and one message per interrupt. */
void timer0_isr(uint32_t exc_return)
{
    (void)exc_return;
    uint32_t n = t0_count;
    if (n + 1u >= MSG_COUNT)
        TIMER0_CTRL = 0;                      /* stop before acknowledging the last one */
    event_t *event = osPoolAlloc(&event_pool);                 /* fine: masks interrupts */
    char *text = pvPortMalloc(MSG_BYTES);     /* BUG(isr-heap): pvPortMalloc in an ISR */
    if (event != NULL) {
        event->seq = n + 1u;
        event->ipsr = get_ipsr();
    }
    if (text != NULL)
        format_message(text, n + 1u);
    inbox_event[n] = event;
    inbox_text[n] = text;
    TIMER0_INTCLEAR = 1;
    t0_count = n + 1u;
}

static void timer0_start(uint32_t reload)
{
    TIMER0_CTRL = 0;
    TIMER0_INTCLEAR = 1;
    TIMER0_RELOAD = reload;
    TIMER0_VALUE = reload;
    TIMER0_CTRL = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
}

static void drain_inbox(void)
{
    for (uint32_t i = 0; i < MSG_COUNT; i++) {
        puts_(inbox_text[i] != NULL ? inbox_text[i] : "no text");
        puts_(" seq=");
        put_dec(inbox_event[i] != NULL ? inbox_event[i]->seq : 0u);
        puts_(" ipsr=");
        put_dec(inbox_event[i] != NULL ? inbox_event[i]->ipsr : 0u);
        putc_('\n');
        vPortFree(inbox_text[i]);
        osPoolFree(&event_pool, inbox_event[i]);
    }
}

static void thread_main(void)
{
    size_t heap_total = xPortGetFreeHeapSize();
    rtos_heap_selftest();
    rtos_pool_selftest(&event_pool);
    timer0_start(T0_RELOAD);
    while (t0_count < MSG_COUNT)
        wfi();
    drain_inbox();
    puts_("heap restored=");
    put_dec(xPortGetFreeHeapSize() == heap_total);
    puts_(" pool restored=");
    put_dec(event_pool.nfree == EVENT_COUNT);
    puts_("\nexit 0 via SYS_EXIT\n");
    semihost_exit(0x20026);
}

int main(void)
{
    uart_init();
    puts_("fwsandbox rtos firmware: cortex-m4\n");
    osPoolCreate(&event_pool, event_buf, sizeof(event_t), EVENT_COUNT);
    NVIC_IPR(TIMER0_IRQ) = 0x40;
    NVIC_ICPR0 = 1u << TIMER0_IRQ;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    irq_enable();
    start_thread_on_psp(thread_main, thread_stack + 512);
}
