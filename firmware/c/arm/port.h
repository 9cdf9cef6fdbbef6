/* Cortex-M port of the rtos critical section: PRIMASK saved, set, and restored exactly. */
#ifndef PORT_H
#define PORT_H

#include <stdint.h>

static inline uint32_t port_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile ("mrs %0, primask\n\tcpsid i" : "=r"(primask) :: "memory");
    return primask;
}

static inline void port_irq_restore(uint32_t primask)
{
    __asm__ volatile ("msr primask, %0" :: "r"(primask) : "memory");
}

#endif
