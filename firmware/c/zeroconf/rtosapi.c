/* Stand-in implementations of the RTOS APIs of rtosapi.h (bump heap, one-block pools). */
#include "rtosapi.h"

#define API __attribute__((noinline, used))

static uint8_t heap[1024] __attribute__((aligned(8)));
static size_t heap_used;
static uint8_t blocks[8][32] __attribute__((aligned(8)));
static unsigned next_block;
volatile unsigned long _tx_thread_system_state;
static volatile uint32_t delayed;

API void *pvPortMalloc(size_t size)
{
    size = (size + 7u) & ~7u;
    if (heap_used + size > sizeof heap)
        return NULL;
    void *p = &heap[heap_used];
    heap_used += size;
    return p;
}

API void vPortFree(void *p) { (void)p; }
API void vTaskDelay(uint32_t ticks) { delayed += ticks; }
API long xQueueGenericSend(void *queue, const void *item, uint32_t ticks, long position)
{
    (void)queue; (void)item; (void)position;
    delayed += ticks;
    return 1;
}
API void vTaskStartScheduler(void) {}
API int32_t osKernelInitialize(void) { return 0; }

static void *take_block(void)
{
    return blocks[next_block++ % 8u];
}

API void *osMemoryPoolAlloc(void *mp_id, uint32_t timeout) { (void)mp_id; delayed += timeout; return take_block(); }
API int32_t osMemoryPoolFree(void *mp_id, void *block) { (void)mp_id; (void)block; return 0; }
API int32_t osDelay(uint32_t ticks) { delayed += ticks; return 0; }

API unsigned tx_byte_allocate(void *pool, void **memory, unsigned long size, unsigned long wait)
{
    static uint8_t bytes[256] __attribute__((aligned(8)));
    static size_t used;
    (void)pool; (void)wait;
    size = (size + 7u) & ~7u;
    *memory = used + size <= sizeof bytes ? &bytes[used] : NULL;
    used += *memory ? size : 0u;
    return *memory ? 0u : 0x10u;
}

API unsigned tx_byte_release(void *memory) { (void)memory; return 0; }
API unsigned tx_block_allocate(void *pool, void **block, unsigned long wait)
{
    (void)pool; delayed += wait;
    *block = take_block();
    return 0;
}

#ifdef __arm__
API int k_sem_take(struct k_sem *sem, k_timeout_t timeout)
{
    if (sem->count) {
        sem->count--;
        return 0;
    }
    delayed += (uint32_t)timeout.ticks;
    return -11;
}
API void z_cstart(void) {}
#endif
