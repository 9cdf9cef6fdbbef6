/*
 * gcc-built differential test firmware for the cortex-m4 board / QEMU mps2-an386.
 *
 * Thread code runs on PSP.  SysTick (priority 0xC0) ticks TICKS times and prints
 * each tick from its handler; on ticks 4 and 8 it arms TIMER0 (priority 0x40) and
 * spins until TIMER0 has preempted it.  Then the thread runs TIMER0 periodically
 * for T0_THREAD_ENTRIES interrupts.  Everything printed depends only on the order
 * of events, never on exact timing, so QEMU and the emulator must agree.
 * Exit: SYS_EXIT_EXTENDED with EXIT_CODE, or SYS_EXIT (status 0) when built with
 * -DUSE_SYS_EXIT.
 */
#include "hw.h"

#ifndef EXIT_CODE
#define EXIT_CODE 3
#endif

#define TICKS              10u
#define SYSTICK_RELOAD     49999u      /* 2 ms at 25 MHz */
#define T0_NESTED_RELOAD   200u
#define T0_PERIODIC_RELOAD 5000u
#define T0_THREAD_ENTRIES  5u

extern uint32_t __text_start[], __text_end[];

/* Checked after reset: .data must have been copied, .bss zeroed. */
static uint32_t data_words[4] = { 0x600DF00Du, 0x12345678u, 0xCAFEBABEu, 42u };
static uint32_t bss_words[16];
#ifndef BOARD
#define BOARD "cortex-m4"
#endif
static const char banner[] = "fwsandbox gcc firmware: " BOARD "\n";

static uint32_t thread_stack[512] __attribute__((aligned(8)));

static volatile uint32_t ticks;
static volatile uint32_t systick_exc_return;
static volatile uint32_t systick_ipsr;
static volatile uint32_t systick_frames_ok;
static volatile uint32_t systick_bad_exc_return;

static volatile uint32_t t0_count;
static volatile uint32_t t0_target;      /* periodic mode: stop after this many */
static volatile uint32_t t0_nested;      /* entries that preempted a handler */
static volatile uint32_t t0_from_thread; /* entries that interrupted thread mode */
static volatile uint32_t t0_nested_exc_return;
static volatile uint32_t t0_thread_exc_return;
static volatile uint32_t t0_ipsr;

static void timer0_start(uint32_t reload)
{
    TIMER0_CTRL = 0;
    TIMER0_INTCLEAR = 1;
    TIMER0_RELOAD = reload;
    TIMER0_VALUE = reload;
    TIMER0_CTRL = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
}

/* Called from the TIMER0_Handler shim with the EXC_RETURN value. */
void timer0_isr(uint32_t exc_return)
{
    /* Decide and stop before acknowledging: on QEMU the timer runs in host time and
       could expire again between INTCLEAR and a later stop, re-pending the IRQ. */
    t0_ipsr = get_ipsr();
    if (exc_return == 0xFFFFFFF1u) {          /* preempted another handler */
        TIMER0_CTRL = 0;                      /* one-shot while nested */
        t0_nested++;
        t0_nested_exc_return = exc_return;
    } else {
        if (t0_from_thread + 1 >= t0_target)
            TIMER0_CTRL = 0;
        t0_from_thread++;
        t0_thread_exc_return = exc_return;
    }
    TIMER0_INTCLEAR = 1;
    t0_count++;
}

/* Stacked frame on PSP: r0-r3, r12, lr, pc, xPSR; pc must be thread code, T bit set. */
static int psp_frame_ok(void)
{
    const uint32_t *frame = (const uint32_t *)get_psp();
    uint32_t pc = frame[6], xpsr = frame[7];
    return pc >= (uint32_t)__text_start && pc < (uint32_t)__text_end
        && (xpsr & 0x01000000u) && (xpsr & 0x1FFu) == 0;
}

/* Called from the SysTick_Handler shim with the EXC_RETURN value. */
void systick_isr(uint32_t exc_return)
{
    uint32_t n = ++ticks;
    systick_exc_return = exc_return;
    systick_ipsr = get_ipsr();
    if (exc_return != 0xFFFFFFFDu)
        systick_bad_exc_return++;
    if (psp_frame_ok())
        systick_frames_ok++;
    puts_("tick ");
    put_dec(n);
    if (n % 4 == 0) {
        uint32_t before = t0_count;
        timer0_start(T0_NESTED_RELOAD);
        while (t0_count == before)
            ;                                 /* TIMER0 (higher priority) preempts */
        puts_(" timer0 preempted systick");
    }
    putc_('\n');
    if (n >= TICKS)
        SYST_CSR = 0;
}

static void check_startup(void)
{
    uint32_t bss_or = 0;
    for (unsigned i = 0; i < 16; i++)
        bss_or |= bss_words[i];
    puts_(data_words[0] == 0x600DF00Du && data_words[3] == 42u ? "data ok" : "data BAD");
    puts_(bss_or == 0 ? " bss ok\n" : " bss BAD\n");
}

static void report(const char *name, uint32_t count, uint32_t exc_return, uint32_t ipsr)
{
    puts_(name);
    puts_(" entries=");
    put_dec(count);
    puts_(" exc_return=");
    put_hex(exc_return);
    puts_(" ipsr=");
    put_dec(ipsr);
    putc_('\n');
}

static void thread_main(void)
{
    uint32_t sp = get_sp();
    int on_psp = sp > (uint32_t)thread_stack && sp <= (uint32_t)(thread_stack + 512);
    puts_("thread control=");
    put_dec(get_control());
    puts_(" ipsr=");
    put_dec(get_ipsr());
    puts_(on_psp ? " sp=psp\n" : " sp=msp\n");

    /* Phase 1: SysTick ticks, with TIMER0 nesting inside ticks 4 and 8. */
    SYST_RVR = SYSTICK_RELOAD;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    while (ticks < TICKS)
        wfi();
    SCB_ICSR = ICSR_PENDSTCLR;
    report("systick", ticks, systick_exc_return, systick_ipsr);
    puts_("systick frames ok=");
    put_dec(systick_frames_ok);
    puts_(" bad exc_return=");
    put_dec(systick_bad_exc_return);
    putc_('\n');
    report("timer0 nested", t0_nested, t0_nested_exc_return, t0_ipsr);

    /* Phase 2: TIMER0 periodic, interrupting thread mode only. */
    t0_target = T0_THREAD_ENTRIES;
    timer0_start(T0_PERIODIC_RELOAD);
    while (t0_from_thread < T0_THREAD_ENTRIES)
        wfi();
    report("timer0 thread", t0_from_thread, t0_thread_exc_return, t0_ipsr);

    uint32_t crc = crc32(0, banner, sizeof banner - 1);
    crc = crc32(crc, data_words, sizeof data_words);
    puts_("crc32=");
    put_hex(crc);
    putc_('\n');
#ifdef USE_SYS_EXIT
    puts_("exit 0 via SYS_EXIT\n");
    semihost_exit(0x20026);
#else
    puts_("exit ");
    put_dec(EXIT_CODE);
    puts_(" via SYS_EXIT_EXTENDED\n");
    semihost_exit_extended(EXIT_CODE);
#endif
}

int main(void)
{
    uart_init();
    puts_(banner);
    check_startup();

    SCB_SHPR3_SYSTICK = 0xC0;                 /* SysTick: low priority */
    NVIC_IPR(TIMER0_IRQ) = 0x40;              /* TIMER0: preempts SysTick */
    NVIC_ICPR0 = 1u << TIMER0_IRQ;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    irq_enable();

    start_thread_on_psp(thread_main, thread_stack + 512);
}
