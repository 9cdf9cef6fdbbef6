/* tcheap: a fixed-block heap whose functions end in tail calls (see tcheap.c). */
#ifndef TCHEAP_H
#define TCHEAP_H

#include <stddef.h>
#include <stdint.h>

#define TC_BLOCK_BYTES 16u
#define TC_BLOCKS      12u

void tcHeapInit(void);
void *tcMalloc(size_t size);      /* thread code only; a size over TC_BLOCK_BYTES longjmps */
void tcFree(void *ptr);           /* thread code and interrupt handlers */
uint32_t tcFreeBlocks(void);

extern void *tc_oom_jmp[5];       /* __builtin_setjmp buffer tc_out_of_memory jumps to */

#endif
