# Shared e200-mcu timer and interrupt-controller helpers: PIT channel 0 (INTC source 59),
# INTC priorities and software interrupts, and a tick wait.  EABI: arguments in r3-r4; these
# leaves clobber only r0, r3-r6 and CR0.
    .equ PIT_MCR, 0xC3FF0000
    .equ PIT_CH0, 0xC3FF0100
    .equ INTC_SSCIR0, 0xFFF48020
    .equ INTC_PSR0, 0xFFF48040
    .equ PIT0_SOURCE, 59

    .text
# intc_priority(source r3, priority r4): PSRn = priority (MPC5554 RM 10.3.1.6, one byte each;
# priority 0 never interrupts the core).
    .global intc_priority
    .type intc_priority, @function
intc_priority:
    lis 5, INTC_PSR0@ha
    addi 5, 5, INTC_PSR0@l
    stbx 4, 5, 3
    blr

# pit0_start(ldval r3, priority r4): INTC source 59 at ``priority``, PIT module enabled
# (PITMCR.MDIS = 0), channel 0 LDVAL = ldval with TCTRL = TIE | TEN (first timeout after
# LDVAL + 1 cycles, MPC5604B RM "PIT"), then MSR[EE] = 1 (wrteei, EREF 2.0).
    .global pit0_start
    .type pit0_start, @function
pit0_start:
    lis 5, INTC_PSR0@ha
    addi 5, 5, INTC_PSR0@l
    stb 4, PIT0_SOURCE(5)
    lis 5, PIT_MCR@ha
    li 6, 0
    stw 6, PIT_MCR@l(5)
    lis 5, PIT_CH0@ha
    addi 5, 5, PIT_CH0@l
    stw 3, 0(5)                      # LDVAL
    li 6, 3
    stw 6, 8(5)                      # TCTRL = TIE | TEN
    wrteei 1
    blr

# pit0_stop(): MSR[EE] = 0, channel 0 stopped; clearing TIE drops its INTC request line.
    .global pit0_stop
    .type pit0_stop, @function
pit0_stop:
    wrteei 0
    lis 5, PIT_CH0@ha
    addi 5, 5, PIT_CH0@l
    li 6, 0
    stw 6, 8(5)
    blr

# pit0_ack(): TFLG.TIF is write-1-to-clear; the level request to the INTC drops with it.
    .global pit0_ack
    .type pit0_ack, @function
pit0_ack:
    lis 5, PIT_CH0@ha
    addi 5, 5, PIT_CH0@l
    li 6, 1
    stw 6, 12(5)
    blr

# sw_irq_set(n r3) / sw_irq_clear(n r3): INTC software-settable source n (SSCIRn: SET 0x02,
# CLR 0x01, MPC5554 RM 10.3.1.5).  A set source above CPR is taken at the next block boundary.
    .global sw_irq_set
    .type sw_irq_set, @function
sw_irq_set:
    lis 5, INTC_SSCIR0@ha
    addi 5, 5, INTC_SSCIR0@l
    li 6, 2
    stbx 6, 5, 3
    blr

    .global sw_irq_clear
    .type sw_irq_clear, @function
sw_irq_clear:
    lis 5, INTC_SSCIR0@ha
    addi 5, 5, INTC_SSCIR0@l
    li 6, 1
    stbx 6, 5, 3
    blr

# wait_ticks(counter r3, n r4): spin with MSR[EE] = 1 until the word at r3 reaches n (e500 has
# no wait instruction: each pass is a block boundary where an interrupt can be taken).
    .global wait_ticks
    .type wait_ticks, @function
wait_ticks:
    lwz 5, 0(3)
    cmplw 5, 4
    blt wait_ticks
    blr
