/* First-fit heap with address-ordered free list and coalescing: pvPortMalloc / vPortFree. */
#include "rtos.h"

extern uint8_t port_heap_start[], port_heap_end[];   /* from the linker script */

#define ALIGN      8u
#define USED       0x80000000u                       /* size bit: block is allocated */

typedef struct block {
    struct block *next;     /* next free block (address order); NULL while allocated */
    size_t size;            /* bytes including this header; USED while allocated */
} block_t;

#define HEADER     ((sizeof(block_t) + ALIGN - 1u) & ~(ALIGN - 1u))
#define MIN_SPLIT  (2u * HEADER)                     /* smallest remainder worth a block */

static block_t free_head;                            /* sentinel: .next is the first block */
static size_t free_bytes;
static int heap_ready;

static void heap_init(void)
{
    uintptr_t start = ((uintptr_t)port_heap_start + ALIGN - 1u) & ~(uintptr_t)(ALIGN - 1u);
    uintptr_t end = (uintptr_t)port_heap_end & ~(uintptr_t)(ALIGN - 1u);
    block_t *first = (block_t *)start;
    first->next = NULL;
    first->size = end - start;
    free_head.next = first;
    free_bytes = first->size;
    heap_ready = 1;
}

/* Put a free block back in address order, merging it with the neighbours it touches. */
static void insert_free(block_t *b)
{
    block_t *prev = &free_head;
    while (prev->next != NULL && prev->next < b)
        prev = prev->next;
    block_t *next = prev->next;
    if (next != NULL && (uint8_t *)b + b->size == (uint8_t *)next) {
        b->size += next->size;
        b->next = next->next;
    } else {
        b->next = next;
    }
    if (prev != &free_head && (uint8_t *)prev + prev->size == (uint8_t *)b) {
        prev->size += b->size;
        prev->next = b->next;
    } else {
        prev->next = b;
    }
}

void *pvPortMalloc(size_t size)
{
    if (!heap_ready)
        heap_init();
    if (size == 0 || size > USED - HEADER - ALIGN)
        return NULL;
    size_t need = (size + HEADER + ALIGN - 1u) & ~(size_t)(ALIGN - 1u);
    block_t *prev = &free_head, *b = free_head.next;
    while (b != NULL && b->size < need) {            /* first fit */
        prev = b;
        b = b->next;
    }
    if (b == NULL)
        return NULL;
    if (b->size - need >= MIN_SPLIT) {               /* split: the tail stays free */
        block_t *rest = (block_t *)((uint8_t *)b + need);
        rest->size = b->size - need;
        rest->next = b->next;
        b->size = need;
        prev->next = rest;
    } else {
        prev->next = b->next;
    }
    free_bytes -= b->size;
    b->size |= USED;
    b->next = NULL;
    return (uint8_t *)b + HEADER;
}

void vPortFree(void *ptr)
{
    if (ptr == NULL)
        return;
    block_t *b = (block_t *)((uint8_t *)ptr - HEADER);
    if (!(b->size & USED) || b->next != NULL)
        return;                                      /* not an allocated block: ignore */
    b->size &= ~(size_t)USED;
    free_bytes += b->size;
    insert_free(b);
}

size_t xPortGetFreeHeapSize(void)
{
    if (!heap_ready)
        heap_init();
    return free_bytes;
}
