/* Book E port of the rtos critical section: MSR[EE] saved, cleared with wrteei 0, restored with wrtee. */
#ifndef PORT_H
#define PORT_H

#include <stdint.h>

static inline uint32_t port_irq_save(void)
{
    uint32_t msr;
    __asm__ volatile ("mfmsr %0\n\twrteei 0" : "=r"(msr) :: "memory");
    return msr;
}

static inline void port_irq_restore(uint32_t msr)
{
    __asm__ volatile ("wrtee %0" :: "r"(msr) : "memory");
}

#endif
