/* The board-independent part of the tail-call demo (tcdemo.c); a board file provides the rest. */
#ifndef TCDEMO_H
#define TCDEMO_H

#include <stdint.h>

#define TC_ISR_FREES 4u

extern void *tc_mbox[TC_ISR_FREES];
extern volatile uint32_t tc_isr_count;

void tc_isr_work(void);                 /* the timer handler's part: free one posted block */
void tc_thread_before_timer(void);      /* allocate/free in thread code, post blocks */
void tc_thread_after_timer(void);       /* the longjmp out of tcMalloc, then more calls */

/* the board's console */
void puts_(const char *s);
void put_dec(uint32_t v);

#endif
