/* RTOS APIs under their real names and signatures (FreeRTOS, CMSIS-RTOS2, Zephyr, ThreadX),
 * implemented here as tiny stand-ins: what matters to fwsandbox is the symbol and the ABI. */
#ifndef RTOSAPI_H
#define RTOSAPI_H
#include <stddef.h>
#include <stdint.h>

/* FreeRTOS */
void *pvPortMalloc(size_t size);
void vPortFree(void *p);
void vTaskDelay(uint32_t ticks);
long xQueueGenericSend(void *queue, const void *item, uint32_t ticks, long position);
void vTaskStartScheduler(void);
/* CMSIS-RTOS2 */
int32_t osKernelInitialize(void);
void *osMemoryPoolAlloc(void *mp_id, uint32_t timeout);
int32_t osMemoryPoolFree(void *mp_id, void *block);
int32_t osDelay(uint32_t ticks);
/* ThreadX */
unsigned tx_byte_allocate(void *pool, void **memory, unsigned long size, unsigned long wait);
unsigned tx_byte_release(void *memory);
unsigned tx_block_allocate(void *pool, void **block, unsigned long wait);
extern volatile unsigned long _tx_thread_system_state;
#define TX_NO_WAIT 0ul
#ifdef __arm__
/* Zephyr (k_timeout_t by value: r2:r3 on Cortex-M) */
typedef struct { int64_t ticks; } k_timeout_t;
#define K_NO_WAIT ((k_timeout_t){0})
#define K_TICKS(t) ((k_timeout_t){(t)})
struct k_sem { volatile uint32_t count; };
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void z_cstart(void);
#endif
#endif
