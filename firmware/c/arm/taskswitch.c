/*
 * Two threads on PSP and a PendSV context switcher (cortex-m4 board / QEMU mps2-an386):
 * cycles per allocation under an RTOS.  Task A (task_a_stack) calls pvPortMalloc/vPortFree
 * A_ROUNDS times on a fragmented heap (every call walks HOLES free blocks).  CMSDK TIMER0
 * (IRQ 8, priority 0x40) ticks meanwhile; its handler wakes task B and pends PendSV, which
 * tail-chains and switches PSP to task B (task_b_stack).  B takes a block from a pool, runs a
 * CRC over WORK_BYTES (thousands of cycles), frees the block and yields back through PendSV.
 * A tick that lands inside pvPortMalloc switches threads inside the call: its wall time holds
 * B's slice, its exclusive cycles must not.  Printed text depends on the order of events only
 * (QEMU's timer runs in host time).  PendSV needs a vector of its own: the table is ours, set
 * with VTOR.  Exit: semihosting SYS_EXIT, status 0.
 */
#include "hw.h"
#include "rtos.h"

#define SCB_VTOR          REG32(0xE000ED08u)
#define SCB_SHPR3_PENDSV  REG8(0xE000ED22u)
#define ICSR_PENDSVSET    (1u << 28)

#define STACK_WORDS 512u
#define HOLES       32u             /* free blocks pvPortMalloc walks past */
#define A_ROUNDS    300u
#define A_BYTES     64u             /* fits no hole: first fit reaches the heap's tail */
#define WORK_BYTES  160u
#define T0_RELOAD   20000u
#define BLOCKS      4u

typedef void (*vector_t)(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void TIMER0_Handler(void);
void PendSV_Handler(void);
extern uint32_t __msp_top[];

__attribute__((aligned(256)))
static const vector_t task_vectors[16 + 32] = {
    [0] = (vector_t)__msp_top, [1] = Reset_Handler,
    [2] = Default_Handler, [3] = Default_Handler, [4] = Default_Handler, [5] = Default_Handler,
    [6] = Default_Handler, [11] = Default_Handler, [12] = Default_Handler,
    [14] = PendSV_Handler, [15] = SysTick_Handler, [16 + TIMER0_IRQ] = TIMER0_Handler,
};

static uint32_t task_a_stack[STACK_WORDS] __attribute__((aligned(8)));
static uint32_t task_b_stack[STACK_WORDS] __attribute__((aligned(8)));
static uint32_t *saved_psp[2];              /* each task's PSP while it is switched out */
static volatile uint32_t current;           /* 0: task A, 1: task B */
static volatile uint32_t b_ready;           /* B woken by a tick (or by A at the end) */
static volatile uint32_t b_slices, b_stack_ok = 1, a_stack_ok = 1;
static volatile uint32_t work_crc;
static uint8_t work_buf[WORK_BYTES];
static osPool_t pool;
static uint32_t pool_buf[BLOCKS * 4u];

/* Called by PendSV_Handler with the outgoing task's PSP (r4-r11 pushed): the next task's. */
uint32_t *task_switch(uint32_t *psp)
{
    saved_psp[current] = psp;
    current = b_ready ? 1u : 0u;
    return saved_psp[current];
}

__asm__(
    "  .text\n"
    "  .thumb\n"
    "  .global PendSV_Handler\n"
    "  .type PendSV_Handler, %function\n"
    "  .thumb_func\n"
    "PendSV_Handler:\n"
    "  mrs r0, psp\n"
    "  stmdb r0!, {r4-r11}\n"
    "  push {r3, lr}\n"
    "  bl task_switch\n"
    "  pop {r3, lr}\n"
    "  ldmia r0!, {r4-r11}\n"
    "  msr psp, r0\n"
    "  bx lr\n"
    "  .size PendSV_Handler, . - PendSV_Handler\n"
);

static void pend_switch(void)
{
    SCB_ICSR = ICSR_PENDSVSET;
    __asm__ volatile ("dsb\n\tisb" ::: "memory");
}

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
}

/* The tick: wake task B (it preempts A through PendSV, tail-chained after this handler). */
void timer0_isr(uint32_t exc_return)
{
    (void)exc_return;
    TIMER0_INTCLEAR = 1;
    if (!b_ready) {
        b_ready = 1;
        SCB_ICSR = ICSR_PENDSVSET;
    }
}

static int on_stack(const uint32_t *stack)
{
    uint32_t psp = get_psp();
    return psp > (uint32_t)stack && psp <= (uint32_t)(stack + STACK_WORDS);
}

static void task_b(void)
{
    for (;;) {
        while (!b_ready)
            ;
        b_stack_ok &= (uint32_t)on_stack(task_b_stack);
        void *block = osPoolAlloc(&pool);
        work_crc = crc32(0, work_buf, WORK_BYTES);
        osPoolFree(&pool, block);
        b_slices++;
        b_ready = 0;
        pend_switch();                          /* yield to A */
    }
}

static void *blocks[2u * HOLES];

/* HOLES free 16-byte blocks between used ones: every pvPortMalloc(A_BYTES) walks them all. */
static void fragment_heap(void)
{
    for (uint32_t i = 0; i < 2u * HOLES; i++)
        blocks[i] = pvPortMalloc(8);
    for (uint32_t i = 1; i < 2u * HOLES; i += 2)
        vPortFree(blocks[i]);
}

static void unfragment_heap(void)
{
    for (uint32_t i = 0; i < 2u * HOLES; i += 2)
        vPortFree(blocks[i]);
}

static void timer0_start(uint32_t reload)
{
    TIMER0_CTRL = 0;
    TIMER0_INTCLEAR = 1;
    TIMER0_RELOAD = reload;
    TIMER0_VALUE = reload;
    TIMER0_CTRL = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
}

static uint32_t allocation_rounds(void)
{
    uint32_t ok = 0;
    for (uint32_t i = 0; i < A_ROUNDS; i++) {
        void *p = pvPortMalloc(A_BYTES);
        ok += p != NULL;
        a_stack_ok &= (uint32_t)on_stack(task_a_stack);
        vPortFree(p);
    }
    return ok;
}

static void task_a(void)
{
    fragment_heap();
    size_t heap_before = xPortGetFreeHeapSize();
    timer0_start(T0_RELOAD);
    uint32_t ok = allocation_rounds();
    TIMER0_CTRL = 0;
    b_ready = 1;                                /* one more slice of B, whatever ticked */
    pend_switch();
    while (b_ready)
        ;
    puts_("a: allocations ok=");
    put_dec(ok);
    puts_(" heap restored=");
    put_dec(xPortGetFreeHeapSize() == heap_before);
    unfragment_heap();
    puts_(" on task_a_stack=");
    put_dec(a_stack_ok);
    puts_("\nb: crc=");
    put_hex(work_crc);
    puts_(" pool restored=");
    put_dec(pool.nfree == BLOCKS);
    puts_(" on task_b_stack=");
    put_dec(b_stack_ok);
    puts_(" ran=");
    put_dec(b_slices > 0u);
    puts_("\nexit 0 via SYS_EXIT\n");
    semihost_exit(0x20026);
}

/* Task B's first PendSV return pops this: r4-r11, then the hardware frame (PC = task_b). */
static void task_b_prepare(void)
{
    uint32_t *frame = task_b_stack + STACK_WORDS - 16u;
    for (uint32_t i = 0; i < 16u; i++)
        frame[i] = 0;
    frame[8 + 5] = 0xFFFFFFFFu;                 /* LR: task_b never returns */
    frame[8 + 6] = (uint32_t)task_b & ~1u;      /* PC */
    frame[8 + 7] = 0x01000000u;                 /* xPSR: Thumb */
    saved_psp[1] = frame;
}

int main(void)
{
    uart_init();
    puts_("fwsandbox taskswitch firmware: cortex-m4\n");
    SCB_VTOR = (uint32_t)task_vectors;
    __asm__ volatile ("dsb\n\tisb" ::: "memory");
    for (uint32_t i = 0; i < WORK_BYTES; i++)
        work_buf[i] = (uint8_t)(i * 7u + 1u);
    osPoolCreate(&pool, pool_buf, 16u, BLOCKS);
    task_b_prepare();
    SCB_SHPR3_PENDSV = 0xFF;                    /* PendSV lowest: it runs after every ISR */
    NVIC_IPR(TIMER0_IRQ) = 0x40;
    NVIC_ICPR0 = 1u << TIMER0_IRQ;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    irq_enable();
    start_thread_on_psp(task_a, task_a_stack + STACK_WORDS);
}
