/*
 * tcheap: a fixed-block heap shaped like an RTOS heap at -O2/-Os.  Like FreeRTOS's vPortFree,
 * tcFree takes a scheduler lock and ends by releasing it: `(void)xTaskResumeAll();` as its last
 * statement, which gcc compiles to a tail call (Thumb `b.w xTaskResumeAll`, PowerPC
 * `b xTaskResumeAll`); its own return instruction runs only on the rare NULL path.  tcMalloc
 * ends in a tail call to tc_take; a size it cannot serve calls tc_out_of_memory, which
 * longjmps (__builtin_longjmp) to the thread's recovery point: that call never returns.
 * Each function is noinline so that it stays a call the sandbox can watch.
 */
#include "tcheap.h"

static void *blocks[TC_BLOCKS][TC_BLOCK_BYTES / sizeof(void *)];
static void *free_list;
static volatile uint32_t sched_lock;
static volatile uint32_t nfree;
void *tc_oom_jmp[5];

__attribute__((noinline)) void vTaskSuspendAll(void)
{
    sched_lock = sched_lock + 1u;
}

__attribute__((noinline)) uint32_t xTaskResumeAll(void)
{
    sched_lock = sched_lock - 1u;
    return sched_lock == 0u;
}

__attribute__((noinline, noreturn)) void tc_out_of_memory(void)
{
    __builtin_longjmp(tc_oom_jmp, 1);
}

void tcHeapInit(void)
{
    free_list = NULL;
    for (uint32_t i = 0; i < TC_BLOCKS; i++) {
        blocks[i][0] = free_list;
        free_list = blocks[i];
    }
    nfree = TC_BLOCKS;
}

__attribute__((noinline)) void *tc_take(void)
{
    vTaskSuspendAll();
    void *block = free_list;
    if (block != NULL) {
        free_list = *(void **)block;
        nfree = nfree - 1u;
    }
    (void)xTaskResumeAll();
    return block;
}

__attribute__((noinline)) void *tcMalloc(size_t size)
{
    if (size > TC_BLOCK_BYTES)
        tc_out_of_memory();
    return tc_take();                       /* a tail call */
}

__attribute__((noinline)) void tcFree(void *ptr)
{
    if (ptr == NULL)
        return;                             /* the function's only own return */
    vTaskSuspendAll();
    *(void **)ptr = free_list;
    free_list = ptr;
    nfree = nfree + 1u;
    (void)xTaskResumeAll();                 /* a tail call: b.w / b xTaskResumeAll */
}

uint32_t tcFreeBlocks(void)
{
    return nfree;
}
