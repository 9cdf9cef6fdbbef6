/*
 * Hard-float (FPv4-SP) differential test firmware for the cortex-m4 board / QEMU mps2-an386.
 *
 * Built with -mfloat-abi=hard -mfpu=fpv4-sp-d16.  It checks, printing only facts that depend on
 * the order of events and never on timing (so QEMU and fwsandbox must agree):
 *  - reset state: CPACR denies CP10/CP11 until enabled, FPCCR = ASPEN|LSPEN, MVFR0/1;
 *  - thread on MSP with an FP context, interrupted: EXC_RETURN 0xFFFFFFE9, CONTROL.FPCA clear
 *    in the handler, lazy preservation (LSPACT set, FPCAR at the frame's s0 slot until the
 *    handler's first FP instruction), the thread's s0-s31/FPSCR intact afterwards;
 *  - two tasks on PSP switched by a PendSV handler that saves s16-s31 when EXC_RETURN[4] is
 *    clear (as RTOS Cortex-M4F ports do), each holding all 32 FP registers and its own FPSCR
 *    rounding mode across task switches and interrupts;
 *  - a SysTick handler doing FP math preempted by an FP-using TIMER0 handler (EXC_RETURN
 *    0xFFFFFFE1) in the middle of its computation;
 *  - with FPCCR.LSPEN clear, the extended frame stored at entry (s0-s15 in the frame).
 * Built with -DNOCP_TEST it checks instead that FP instructions with CPACR denying access raise
 * UsageFault NOCP (CFSR bit 19), or HardFault with HFSR.FORCED when UsageFault is disabled.
 */
#include "hw.h"

#define CPACR      REG32(0xE000ED88u)
#define FPCCR      REG32(0xE000EF34u)
#define FPCAR      REG32(0xE000EF38u)
#define MVFR0      REG32(0xE000EF40u)
#define MVFR1      REG32(0xE000EF44u)
#define SCB_SHCSR  REG32(0xE000ED24u)
#define SCB_CFSR   REG32(0xE000ED28u)
#define SCB_HFSR   REG32(0xE000ED2Cu)
#define SCB_SHPR3_PENDSV REG8(0xE000ED22u)
#define NVIC_ISPR0 REG32(0xE000E200u)
#define ICSR_PENDSVSET (1u << 28)
#define CPACR_CP10_CP11 (0xFu << 20)
#define FPCCR_LSPEN (1u << 30)
#define FPCCR_LSPACT 1u
#define SHCSR_USGFAULTENA (1u << 18)
#define TICKS 12u
#define SPINS 3000u

extern uint32_t __msp_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void TIMER0_Handler(void);
int main(void);
/* Loads s0-s31 with seed, seed+1, ..., and FPSCR with fpscr, spins, then counts the registers
   (and FPSCR) that changed meanwhile (fpu_asm.S). */
uint32_t fp_hold_check(uint32_t seed, uint32_t spins, uint32_t fpscr);
void fp_touch(void);                      /* one FP instruction at label fp_touch_insn */
extern const char fp_touch_insn[];

typedef void (*vector_t)(void);
__attribute__((section(".vectors"), used))
const vector_t vector_table[16 + 32] = {
    [0] = (vector_t)__msp_top, [1] = Reset_Handler,
    [2] = Fault_Handler, [3] = Fault_Handler, [4] = Fault_Handler, [5] = Fault_Handler,
    [6] = Fault_Handler, [11] = Fault_Handler, [12] = Fault_Handler,
    [14] = PendSV_Handler, [15] = SysTick_Handler, [16 + TIMER0_IRQ] = TIMER0_Handler,
};

static volatile uint32_t cpacr_at_reset;

void Reset_Handler(void)
{
    cpacr_at_reset = CPACR;              /* before .bss is zeroed: kept in a register below */
    uint32_t cpacr = CPACR;
    CPACR = cpacr | CPACR_CP10_CP11;     /* no FP instruction may run before this */
    __asm__ volatile ("dsb\n isb" ::: "memory");
    uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end; )
        *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end; )
        *dst++ = 0;
    cpacr_at_reset = cpacr;
    main();
    semihost_exit_extended(0x7E);
}

static void say(const char *text, uint32_t value)
{
    puts_(text);
    put_hex(value);
}

/* --- tasks and the PendSV switcher ---------------------------------------------------------- */
struct task { uint32_t *sp; uint32_t runs, errors; };
static struct task tasks[2];
struct task *current_task;
static uint32_t task_stack[2][256] __attribute__((aligned(8)));
static volatile uint32_t ticks, switches, done;

/* Called by PendSV_Handler with the outgoing task's context saved: picks the other one. */
void switch_context(void)
{
    current_task = current_task == &tasks[0] ? &tasks[1] : &tasks[0];
    switches++;
}

static void report_tasks(void);
static void check_eager(void);

static void task_body(uint32_t which)
{
    static uint32_t reported;
    struct task *me = &tasks[which];
    uint32_t fpscr = which ? (3u << 22) : (1u << 22);      /* RMode: RZ for B, RP for A */
    while (!done) {
        me->errors += fp_hold_check(0x3F800000u + which * 0x100u, SPINS, fpscr);
        me->runs++;
    }
    if (!reported++) {                    /* the task running when the ticks end reports */
        report_tasks();
        check_eager();
        semihost_exit_extended(0);
    }
    for (;;)
        __asm__ volatile ("wfi");
}

static void task_a(void) { task_body(0); }
static void task_b(void) { task_body(1); }

static uint32_t *initial_frame(uint32_t *top, void (*entry)(void))
{
    uint32_t *sp = top - 8;               /* hardware frame: r0-r3, r12, lr, pc, xpsr */
    for (int i = 0; i < 8; i++)
        sp[i] = 0;
    sp[6] = (uint32_t)entry;
    sp[7] = 1u << 24;
    sp -= 9;                              /* r4-r11 and EXC_RETURN, as PendSV_Handler saves */
    for (int i = 0; i < 8; i++)
        sp[i] = 0;
    sp[8] = 0xFFFFFFFDu;                  /* thread, PSP, basic frame: no FP context yet */
    return sp;
}

/* --- interrupt handlers (the shims in fpu_asm.S pass EXC_RETURN) ---------------------------- */
static volatile uint32_t t0_exc_return, t0_control, t0_lspact, t0_fpcar, t0_frame, t0_entries;
static volatile uint32_t t0_s0_slot;
static volatile uint32_t st_exc_return, st_lspact_before, st_lspact_after, nested_ok;
static volatile float st_acc = 1.0f, t0_acc = 2.0f;

static float step(float x) { return x * 1.5f - 0.25f; }

void timer0_isr(uint32_t exc_return, uint32_t *frame)
{
    t0_exc_return = exc_return;
    t0_control = get_control();
    uint32_t fpccr = FPCCR;
    t0_lspact = fpccr & FPCCR_LSPACT;
    t0_fpcar = FPCAR;
    t0_frame = (uint32_t)frame;
    t0_s0_slot = frame[8];                /* s0's slot: stored yet only without lazy stacking */
    __asm__ volatile ("" ::: "memory");
    t0_acc = step(step(t0_acc));          /* FP: the lazy save happens before this */
    t0_entries++;
}

void systick_isr(uint32_t exc_return)
{
    st_exc_return = exc_return;
    st_lspact_before = FPCCR & FPCCR_LSPACT;
    __asm__ volatile ("" ::: "memory");
    float x = st_acc;
    __asm__ volatile ("" : "+t"(x));      /* x in an FP register now */
    st_lspact_after = FPCCR & FPCCR_LSPACT;
    x = step(x);
    __asm__ volatile ("" : "+t"(x));
    if (ticks == 3 || ticks == 7) {
        uint32_t before = t0_entries;
        NVIC_ISPR0 = 1u << TIMER0_IRQ;    /* TIMER0 preempts here, with x live in s0-s15 */
        __asm__ volatile ("dsb\n isb" ::: "memory");
        nested_ok += t0_entries == before + 1 && t0_exc_return == 0xFFFFFFE1u;
    }
    st_acc = step(x);
    if (++ticks == TICKS) {
        SYST_CSR = 0;
        done = 1;
    }
    SCB_ICSR = ICSR_PENDSVSET;
}

/* --- checks (public: the NOCP build links them out) ---------------------------------------------------------------------------------- */
void check_reset_state(void)
{
    say("cpacr at reset=", cpacr_at_reset);
    say(" fpccr=", FPCCR);
    say(" mvfr0=", MVFR0);
    say(" mvfr1=", MVFR1);
    puts_("\n");
}

void check_msp_thread(void)
{
    NVIC_IPR(TIMER0_IRQ) = 0x40;
    NVIC_ISER0 = 1u << TIMER0_IRQ;
    /* fp_hold_check pends TIMER0 itself when its seed asks (fpu_asm.S: seed bit 0). */
    uint32_t errors = fp_hold_check(0x40000001u, SPINS, 0);
    say("msp thread: control=", get_control());          /* FPCA set: an FP context */
    say(" timer0 exc_return=", t0_exc_return);
    say(" control=", t0_control);
    say(" lspact=", t0_lspact);
    puts_(t0_fpcar == t0_frame + 0x20 ? " fpcar=frame+0x20" : " fpcar wrong");
    puts_(errors ? " fp state lost\n" : " fp state kept\n");
}

void run_tasks(void) __attribute__((noreturn));
void run_tasks(void)
{
    static uint32_t boot_stack[64] __attribute__((aligned(8)));
    static struct task boot;
    tasks[0].sp = initial_frame(&task_stack[0][256], task_a);
    tasks[1].sp = initial_frame(&task_stack[1][256], task_b);
    __asm__ volatile ("msr psp, %0" :: "r"(&boot_stack[64]));
    current_task = &boot;                 /* main's context is saved there, never resumed */
    SCB_SHPR3_PENDSV = 0xE0;
    SCB_SHPR3_SYSTICK = 0xC0;
    SYST_RVR = 19999u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
    SCB_ICSR = ICSR_PENDSVSET;            /* the first switch: to task A */
    __asm__ volatile ("dsb\n isb" ::: "memory");
    for (;;)
        __asm__ volatile ("wfi");
}

static void report_tasks(void)
{
    puts_(tasks[0].errors || tasks[1].errors ? "tasks: fp state lost" : "tasks: fp state kept");
    puts_(tasks[0].runs && tasks[1].runs && switches >= TICKS ? ", both ran\n" : ", not both ran\n");
    say("systick exc_return=", st_exc_return);
    say(" lspact before fp=", st_lspact_before);
    say(" after=", st_lspact_after);
    puts_(nested_ok == 2 ? " timer0 nested twice\n" : " timer0 not nested\n");
    __asm__ volatile ("vmsr fpscr, %0" :: "r"(0));        /* round to nearest, as the ISRs */
    float x = 1.0f;
    for (uint32_t i = 0; i < TICKS; i++)
        x = step(step(x));
    float y = 2.0f;
    for (uint32_t i = 0; i < 3; i++)
        y = step(step(y));
    puts_(x == st_acc && y == t0_acc ? "isr fp results ok\n" : "isr fp results wrong\n");
}

/* Eager stacking: with LSPEN clear the frame holds s0-s15 when the handler starts. */
static void check_eager(void)
{
    FPCCR &= ~FPCCR_LSPEN;
    uint32_t errors = fp_hold_check(0x50000001u, SPINS, 0);
    say("eager: timer0 exc_return=", t0_exc_return);
    say(" lspact=", t0_lspact);
    puts_(t0_s0_slot == 0x50000001u ? " frame holds s0" : " frame lacks s0");
    puts_(errors ? ", fp state lost\n" : ", fp state kept\n");
}

#ifdef NOCP_TEST
static volatile uint32_t fault_ipsr, fault_cfsr, fault_hfsr, fault_pc;

void fault_isr(uint32_t *frame)
{
    fault_ipsr = get_ipsr();
    fault_cfsr = SCB_CFSR;
    fault_hfsr = SCB_HFSR;
    fault_pc = frame[6];
    SCB_CFSR = fault_cfsr;                /* write one to clear */
    SCB_HFSR = fault_hfsr;
    CPACR |= CPACR_CP10_CP11;             /* the retried instruction then runs */
}

static void nocp(const char *what)
{
    CPACR &= ~CPACR_CP10_CP11;
    __asm__ volatile ("dsb\n isb" ::: "memory");
    fp_touch();
    puts_(what);
    say(" ipsr=", fault_ipsr);
    say(" cfsr=", fault_cfsr);
    say(" hfsr=", fault_hfsr);
    puts_(fault_pc == ((uint32_t)fp_touch_insn & ~1u) ? " at the FP instruction\n" : " elsewhere\n");
}

int main(void)
{
    uart_init();
    puts_("fwsandbox hard-float firmware: nocp\n");
    SCB_SHCSR |= SHCSR_USGFAULTENA;
    nocp("usagefault:");
    SCB_SHCSR &= ~SHCSR_USGFAULTENA;
    nocp("hardfault:");
    semihost_exit_extended(0);
}
#else
void fault_isr(uint32_t *frame)
{
    say("unexpected fault ipsr=", get_ipsr());
    say(" pc=", frame[6]);
    puts_("\n");
    semihost_exit_extended(0x7F);
}

int main(void)
{
    uart_init();
#ifndef BOARD
#define BOARD "cortex-m4f"
#endif
    puts_("fwsandbox hard-float firmware: " BOARD "\n");
    check_reset_state();
    check_msp_thread();
    run_tasks();
}
#endif
