/*
 * gcc-built test firmware for the e200-mcu board (Book E, INTC software vector mode).
 *
 * PIT channel 0 (INTC source 59, priority 2) ticks PIT0_TICKS times and prints each
 * tick from its ISR.  On ticks 3 and 6 it starts PIT channel 1 (source 60, priority 5)
 * and spins until channel 1 has preempted it; on tick 6 the channel 1 ISR in turn arms
 * the decrementer and spins until it has preempted that (nesting depth 3).  Then the
 * thread holds channel 1 pending under MSR[EE] = 0 and sees it taken at `wrteei 1`,
 * and runs the decrementer with auto-reload for DEC_THREAD_ENTRIES interrupts.
 * Everything printed depends only on the order of events.  Exit code: EXIT_CODE,
 * written to the simulator control register.
 */
#include "hw.h"

#ifndef EXIT_CODE
#define EXIT_CODE 5
#endif

#define PIT0_TICKS         8u
#define PIT0_LDVAL         19999u
#define PIT1_LDVAL         99u
#define PRIO_PIT0          2u
#define PRIO_PIT1          5u
#define DEC_NESTED         200u
#define DEC_PERIOD         30000u
#define DEC_THREAD_ENTRIES 5u
#define STACK_FILL         0xA5A5A5A5u

static uint32_t data_words[4] = { 0x600DF00Du, 0x12345678u, 0xCAFEBABEu, 42u };
static uint32_t bss_words[16];
static const char banner[] = "fwsandbox gcc firmware: e200-mcu\n";

static volatile uint32_t pit0_ticks;
static volatile uint32_t pit1_count;
static volatile uint32_t pit1_depth;       /* irq_nesting seen by the latest PIT1 entry */
static volatile uint32_t pit1_arm_dec;
static volatile uint32_t dec_count;
static volatile uint32_t dec_depth;
static volatile uint32_t dec_thread_target;
static volatile uint32_t max_nesting;
static volatile uint32_t isr_entries;
static volatile uint32_t isr_on_irq_stack;

static void note_entry(void)
{
    uint32_t sp = get_sp(), depth = irq_nesting;
    isr_entries++;
    if (sp > (uint32_t)irq_stack && sp < (uint32_t)irq_stack_top)
        isr_on_irq_stack++;
    if (depth > max_nesting)
        max_nesting = depth;
}

static void pit1_start(void)
{
    PIT_TCTRL(1) = 0;
    PIT_TFLG(1) = PIT_TFLG_TIF;
    PIT_LDVAL(1) = PIT1_LDVAL;
    PIT_TCTRL(1) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
}

static void dec_wait_nested(void)
{
    uint32_t before = dec_count;
    mtspr(SPR_TSR, TSR_DIS);
    mtspr(SPR_DEC, DEC_NESTED);
    mtspr(SPR_TCR, TCR_DIE);               /* one-shot: no auto-reload */
    while (dec_count == before)
        ;                                  /* EE is set: the decrementer preempts */
}

void decrementer_isr(void)
{
    note_entry();
    mtspr(SPR_TSR, TSR_DIS);               /* write 1 to clear */
    dec_depth = irq_nesting;
    uint32_t n = ++dec_count;
    if (!dec_thread_target || n >= dec_thread_target)
        mtspr(SPR_TCR, 0);
}

static void pit1_isr(void)
{
    note_entry();
    PIT_TCTRL(1) = 0;                      /* one-shot */
    PIT_TFLG(1) = PIT_TFLG_TIF;
    pit1_depth = irq_nesting;
    if (pit1_arm_dec) {
        pit1_arm_dec = 0;
        dec_wait_nested();
    }
    pit1_count++;
}

static void pit0_isr(void)
{
    note_entry();
    uint32_t n = pit0_ticks + 1;
    if (n >= PIT0_TICKS)
        PIT_TCTRL(0) = 0;                  /* stop before acknowledging the last tick */
    PIT_TFLG(0) = PIT_TFLG_TIF;
    pit0_ticks = n;
    puts_("pit0 tick ");
    put_dec(n);
    if (n == 3 || n == 6) {
        uint32_t before = pit1_count;
        pit1_arm_dec = (n == 6);
        pit1_start();
        while (pit1_count == before)
            ;                              /* PIT1 (higher priority) preempts */
        puts_(" pit1 nested depth=");
        put_dec(pit1_depth);
        if (n == 6) {
            puts_(" decrementer nested depth=");
            put_dec(dec_depth);
        }
    }
    putc_('\n');
}

/* Software vector mode: IACKR returns &isr_table[source]. */
static void (*const isr_table[64])(void) __attribute__((aligned(2048))) = {
    SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, SPURIOUS8, /* 0-55 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 56-58 */
    pit0_isr,                                                                 /* 59: PIT0 */
    pit1_isr,                                                                 /* 60: PIT1 */
    spurious_isr, spurious_isr, spurious_isr,                                 /* 61-63 */
};
_Static_assert(PIT_SOURCE(0) == 59 && PIT_SOURCE(1) == 60, "isr_table layout");

static void check_startup(void)
{
    uint32_t bss_or = 0;
    for (unsigned i = 0; i < 16; i++)
        bss_or |= bss_words[i];
    puts_(data_words[0] == 0x600DF00Du && data_words[3] == 42u ? "data ok" : "data BAD");
    puts_(bss_or == 0 ? " bss ok" : " bss BAD");
    puts_(get_msr() & 0x8000u ? " ee=1\n" : " ee=0\n");
}

static void intc_pit_init(void)
{
    INTC_MCR = 0;                          /* software vector mode, 4-byte entries */
    INTC_IACKR = (uint32_t)isr_table;      /* VTBA */
    INTC_PSR(PIT_SOURCE(0)) = PRIO_PIT0;
    INTC_PSR(PIT_SOURCE(1)) = PRIO_PIT1;
    INTC_CPR = 0;
    PIT_MCR = 0;                           /* enable the PIT module */
}

static void phase_pit_nesting(void)
{
    PIT_LDVAL(0) = PIT0_LDVAL;
    PIT_TFLG(0) = PIT_TFLG_TIF;
    PIT_TCTRL(0) = PIT_TCTRL_TEN | PIT_TCTRL_TIE;
    while (pit0_ticks < PIT0_TICKS)
        ;
    puts_("pit0 entries=");
    put_dec(pit0_ticks);
    puts_(" pit1 entries=");
    put_dec(pit1_count);
    puts_(" decrementer entries=");
    put_dec(dec_count);
    puts_(" max nesting=");
    put_dec(max_nesting);
    putc_('\n');
}

static void phase_masked(void)
{
    uint32_t before = pit1_count;
    irq_disable();
    pit1_start();
    while (!(PIT_TFLG(1) & PIT_TFLG_TIF))
        ;                                  /* expired while EE = 0 */
    uint32_t held = pit1_count - before;
    irq_enable();                          /* taken right here */
    uint32_t taken = pit1_count - before;
    puts_("masked: pit1 entries while ee=0: ");
    put_dec(held);
    puts_(", after wrteei 1: ");
    put_dec(taken);
    puts_(" depth=");
    put_dec(pit1_depth);
    putc_('\n');
}

static void phase_decrementer(void)
{
    uint32_t before = dec_count;
    dec_thread_target = before + DEC_THREAD_ENTRIES;
    mtspr(SPR_TSR, TSR_DIS);
    mtspr(SPR_DECAR, DEC_PERIOD);
    mtspr(SPR_DEC, DEC_PERIOD);
    mtspr(SPR_TCR, TCR_DIE | TCR_ARE);
    while (dec_count < dec_thread_target)
        ;
    puts_("decrementer auto-reload entries=");
    put_dec(dec_count - before);
    puts_(" depth=");
    put_dec(dec_depth);
    putc_('\n');
}

/* Interrupt-stack high-water mark from the fill pattern; the bottom word must be intact. */
static void report_stacks(void)
{
    unsigned lowest = 0;
    while (lowest < 1024 && irq_stack[lowest] == STACK_FILL)
        lowest++;
    puts_("isr entries=");
    put_dec(isr_entries);
    puts_(" on irq stack=");
    put_dec(isr_on_irq_stack);
    puts_(lowest > 0 && lowest < 1024 ? " irq stack ok\n" : " irq stack BAD\n");
}

int main(void)
{
    puts_(banner);
    check_startup();
    for (unsigned i = 0; i < 1024; i++)
        irq_stack[i] = STACK_FILL;
    intc_pit_init();
    irq_enable();

    phase_pit_nesting();
    phase_masked();
    phase_decrementer();
    report_stacks();

    uint32_t crc = crc32(0, banner, sizeof banner - 1);
    crc = crc32(crc, data_words, sizeof data_words);
    puts_("crc32=");
    put_hex(crc);
    puts_("\nexit ");
    put_dec(EXIT_CODE);
    putc_('\n');
    sim_exit(EXIT_CODE);
}
