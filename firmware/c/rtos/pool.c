/* Fixed-block pools whose free-list updates run with interrupts masked: osPoolAlloc / osPoolFree. */
#include "rtos.h"
#include "port.h"

void osPoolCreate(osPool_t *pool, void *buf, uint32_t block_size, uint32_t count)
{
    uint32_t size = (block_size + 3u) & ~3u;
    uint8_t *block = buf;
    pool->block_size = size < 4u ? 4u : size;
    pool->count = count;
    pool->nfree = count;
    pool->free = count ? buf : NULL;
    for (uint32_t i = 0; i < count; i++, block += pool->block_size)
        *(void **)block = i + 1u < count ? block + pool->block_size : NULL;
}

void *osPoolAlloc(osPool_t *pool)
{
    uint32_t key = port_irq_save();
    void *block = pool->free;
    if (block != NULL) {
        pool->free = *(void **)block;
        pool->nfree--;
    }
    port_irq_restore(key);
    return block;
}

void osPoolFree(osPool_t *pool, void *block)
{
    if (block == NULL)
        return;
    uint32_t key = port_irq_save();
    *(void **)block = pool->free;
    pool->free = block;
    pool->nfree++;
    port_irq_restore(key);
}
