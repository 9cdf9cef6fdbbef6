/* A tiny RTOS-style allocator API with names of its own (not the sandbox's allocators_asm). */
#ifndef RTOS_H
#define RTOS_H

#include <stddef.h>
#include <stdint.h>

/*
 * heap.c: a first-fit heap over the linker-defined region [port_heap_start, port_heap_end).
 * The free list is kept in address order and neighbouring free blocks are merged on free.
 * Neither function masks interrupts: like a FreeRTOS heap they are for task (thread) code
 * only, and calling pvPortMalloc from an interrupt handler is the bug the sandbox must find.
 */
void *pvPortMalloc(size_t size);
void vPortFree(void *ptr);
size_t xPortGetFreeHeapSize(void);

/*
 * pool.c: fixed-size blocks on a singly linked free list.  osPoolAlloc/osPoolFree update the
 * list with interrupts masked (port_irq_save/port_irq_restore), so they are safe in handlers.
 */
typedef struct osPool {
    void *free;             /* first free block; each free block holds the next one's address */
    uint32_t block_size;
    uint32_t count;
    uint32_t nfree;
} osPool_t;

void osPoolCreate(osPool_t *pool, void *buf, uint32_t block_size, uint32_t count);
void *osPoolAlloc(osPool_t *pool);
void osPoolFree(osPool_t *pool, void *block);

/* selftest.c: thread-side checks printed by the demos (they need the board's puts_/put_dec). */
void rtos_heap_selftest(void);
void rtos_pool_selftest(osPool_t *pool);

#endif
