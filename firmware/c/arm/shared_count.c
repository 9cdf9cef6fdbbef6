/*
 * A lost update a single run does not show (issue 17, `fwsandbox explore --window count_event`).
 *
 * Thread code counts events with count_event(), a plain read-modify-write of `events`
 * (ldr / adds / str); the SysTick handler counts its ticks into the same variable.  If the
 * tick comes between the thread's load and its store, the thread stores the value it read
 * before the tick and the handler's increment is lost.  SysTick is timed so that in a plain
 * run it always comes while the thread is in spin(), never inside count_event(): the run
 * prints "no update lost" and exits 0.  No allocator is involved, so the heap and reentry
 * detectors have nothing to say; explore's shared-write detection finds the lost update.
 */
#include "hw.h"

#define CALLS   24u
#define PERIOD  3000u              /* SysTick reload + 1, cycles */

volatile uint32_t events;          /* shared: thread and SysTick handler add to it */
static volatile uint32_t ticks;
static volatile uint32_t spins;

void systick_isr(uint32_t exc_return)
{
    (void)exc_return;
    events++;
    ticks++;
}

void timer0_isr(uint32_t exc_return)
{
    (void)exc_return;
}

__attribute__((noinline)) void count_event(void)
{
    events++;                      /* BUG: not atomic with respect to systick_isr */
}

__attribute__((noinline)) static void spin(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        spins++;
}

int main(void)
{
    uart_init();
    SYST_RVR = PERIOD - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
    for (uint32_t k = 0; k < CALLS; k++) {
        count_event();
        spin(100u);
    }
    SYST_CSR = 0;
    uint32_t t = ticks, e = events;
    puts_("shared_count: events=");
    put_dec(e);
    puts_(" calls+ticks=");
    put_dec(CALLS + t);
    puts_(e == CALLS + t ? " no update lost\n" : " an update was lost\n");
    semihost_exit_extended(e == CALLS + t ? 0u : 1u);
}
