/* Thread-side self-tests of the rtos allocators, shared by arm/ and ppc/rtos_demo.c. */
#include "hw.h"
#include "rtos.h"

/* First fit reuses a freed block of the right size; freeing everything merges back to one. */
void rtos_heap_selftest(void)
{
    size_t before = xPortGetFreeHeapSize();
    uint8_t *a = pvPortMalloc(100);
    uint8_t *b = pvPortMalloc(40);
    vPortFree(a);
    uint8_t *c = pvPortMalloc(60);            /* first fit: takes a's place */
    puts_("heap first-fit reuse=");
    put_dec(c == a);
    vPortFree(b);
    vPortFree(c);
    puts_(" coalesced=");
    put_dec(xPortGetFreeHeapSize() == before);
    putc_('\n');
}

/* Two blocks from ``pool`` are distinct and come back on free. */
void rtos_pool_selftest(osPool_t *pool)
{
    void *e1 = osPoolAlloc(pool);
    void *e2 = osPoolAlloc(pool);
    puts_("pool distinct=");
    put_dec(e1 != NULL && e2 != NULL && e1 != e2);
    puts_(" nfree=");
    put_dec(pool->nfree);
    osPoolFree(pool, e2);
    osPoolFree(pool, e1);
    puts_(" after free=");
    put_dec(pool->nfree);
    putc_('\n');
}
