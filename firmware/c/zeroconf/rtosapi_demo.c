/* What the zero-config RTOS images do: the thread calls every API (waiting allowed); the
 * interrupt handler calls them as the RTOS documents forbid (-DCLEAN: only the allowed forms:
 * timeouts of 0, ISR-safe pools).  rtos_isr_body() runs in SysTick (ARM) or PIT0 (PPC). */
#include "rtosapi.h"

static uint8_t pool_cb[16], queue_cb[16];
static void *sink;
#ifdef __arm__
static struct k_sem sem = {3};
#endif

void rtos_isr_body(void)
{
    void *block;
#ifdef CLEAN
    block = osMemoryPoolAlloc(pool_cb, 0);             /* timeout 0: allowed */
    osMemoryPoolFree(pool_cb, block);
    tx_block_allocate(pool_cb, &block, TX_NO_WAIT);    /* TX_NO_WAIT: allowed */
#ifdef __arm__
    k_sem_take(&sem, K_NO_WAIT);                       /* K_NO_WAIT: allowed */
#endif
#else
    sink = pvPortMalloc(16);                           /* BUG: FreeRTOS heap in an ISR */
    vTaskDelay(1);                                     /* BUG: blocking */
    xQueueGenericSend(queue_cb, &block, 5, 0);         /* BUG: not a FromISR function */
    block = osMemoryPoolAlloc(pool_cb, 10);            /* BUG: timeout != 0 */
    osDelay(1);                                        /* BUG: never from an ISR */
    tx_byte_allocate(pool_cb, &block, 8, TX_NO_WAIT);  /* BUG: byte pools never from ISRs */
    tx_block_allocate(pool_cb, &block, 100);           /* BUG: wait option in an ISR */
#ifdef __arm__
    k_sem_take(&sem, K_TICKS(10));                     /* BUG: waiting in an ISR */
#endif
#endif
    sink = block;
}

void rtos_thread_body(void)
{
    void *block;
    osKernelInitialize();
    vTaskStartScheduler();
    void *p = pvPortMalloc(32);
    vPortFree(p);
    vTaskDelay(2);
    xQueueGenericSend(queue_cb, &p, 10, 0);
    block = osMemoryPoolAlloc(pool_cb, 100);
    osMemoryPoolFree(pool_cb, block);
    osDelay(1);
    tx_byte_allocate(pool_cb, &block, 16, 50);
    tx_byte_release(block);
    tx_block_allocate(pool_cb, &block, 50);
#ifdef __arm__
    z_cstart();
    k_sem_take(&sem, K_TICKS(100));
#endif
    sink = block;
}
