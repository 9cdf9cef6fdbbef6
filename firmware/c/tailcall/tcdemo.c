/*
 * The tail-call demo's thread and handler work, shared by arm/tailcall.c and ppc/tailcall.c.
 * Thread: three tcMalloc/tcFree pairs, then TC_ISR_FREES blocks posted to a mailbox that the
 * timer handler frees (tcFree is allowed in handlers by rules/tailcall.toml) while the thread
 * only waits: no call is ever preempted, so there is no reentry.  Last, tcMalloc of a size it
 * cannot serve longjmps back to the thread (that call never returns), and one more pair.
 */
#include "tcdemo.h"
#include "tcheap.h"

void *tc_mbox[TC_ISR_FREES];
volatile uint32_t tc_isr_count;
static void *volatile sink;

void tc_isr_work(void)
{
    uint32_t n = tc_isr_count;
    if (n < TC_ISR_FREES)
        tcFree(tc_mbox[n]);
    tc_isr_count = n + 1u;
}

void tc_thread_before_timer(void)
{
    tcHeapInit();
    for (uint32_t i = 0; i < 3u; i++) {
        void *p = tcMalloc(8u);
        sink = p;
        tcFree(p);
    }
    for (uint32_t i = 0; i < TC_ISR_FREES; i++)
        tc_mbox[i] = tcMalloc(TC_BLOCK_BYTES);
    puts_("thread pairs=3 posted=");
    put_dec(TC_ISR_FREES);
    puts_(" free=");
    put_dec(tcFreeBlocks());
    puts_("\n");
}

/* Not inlined and not a tail call: tcMalloc is entered below this function's caller's SP. */
__attribute__((noinline)) static void *alloc_deep(uint32_t size)
{
    void *p = tcMalloc(size);
    sink = p;
    return p;
}

void tc_thread_after_timer(void)
{
    puts_("isr frees=");
    put_dec(tc_isr_count);
    puts_(" free=");
    put_dec(tcFreeBlocks());
    puts_("\n");
    if (__builtin_setjmp(tc_oom_jmp) == 0) {
        alloc_deep(1000u);
        puts_("no longjmp\n");
    } else {
        puts_("oom longjmp recovered\n");
    }
    void *p = tcMalloc(4u);
    sink = p;
    tcFree(p);
    puts_("end free=");
    put_dec(tcFreeBlocks());
    puts_("\n");
}
