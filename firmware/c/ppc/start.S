/*
 * Reset code, Book E interrupt vectors and the interrupt prologue/epilogue for the
 * e200-mcu board.  Execution starts at 0 with MSR = 0.  IVPR points at this section
 * (address 0, 64 KiB aligned); IVOR4 (external input) and IVOR10 (decrementer) get
 * real handlers, every other IVOR a stub that reports the vector and exits.
 *
 * Interrupt handlers switch to a dedicated interrupt stack in software when they
 * interrupt thread code (irq_nesting == 0) and stay on it when nested, save the
 * volatile registers, SRR0/SRR1, CR, LR, CTR and XER in an 80-byte frame, and
 * return with rfi.  The external-input handler reads INTC IACKR (software vector
 * mode: VTBA + 4 * source), re-enables MSR[EE] around the ISR so that sources of
 * higher INTC priority (and the decrementer) can nest, then writes EOIR.
 */
#define SPR_SRR0  26
#define SPR_SRR1  27
#define SPR_IVPR  63
#define SPR_SPRG0 272
#define SPR_SPRG1 273
#define SPR_IVOR0 400

#define INTC_IACKR 0xFFF48010
#define INTC_EOIR  0xFFF48018
#define SIMCTL     0xFFFEC000

#define FRAME 80
/* frame layout: 0 back chain, 4 LR save slot of callees, then: */
#define F_R0    8
#define F_R3   12          /* r3..r12 at 12..48 */
#define F_CR   52
#define F_LR   56
#define F_CTR  60
#define F_XER  64
#define F_SRR0 68
#define F_SRR1 72

    .section .vectors, "ax"
    .globl _reset
    .type   _reset, @function
_reset:
    b       _start
    .size   _reset, . - _reset

/* Stubs for the IVORs without a handler: r3 = IVOR number. */
    .macro  trap_stub n
    .org    0x100 + 0x10 * \n
ivor\n\()_stub:
    li      3, \n
    b       unexpected_interrupt
    .endm

    trap_stub 0
    trap_stub 1
    trap_stub 2
    trap_stub 3
    trap_stub 5
    trap_stub 6
    trap_stub 7
    trap_stub 8
    trap_stub 9
    trap_stub 11
    trap_stub 12
    trap_stub 13
    trap_stub 14
    trap_stub 15

/* Save the interrupted context on the (possibly newly selected) interrupt stack. */
    .macro  irq_prologue
    mtspr   SPR_SPRG0, 3
    mtspr   SPR_SPRG1, 4
    lis     3, irq_nesting@ha
    lwz     4, irq_nesting@l(3)
    addi    4, 4, 1
    stw     4, irq_nesting@l(3)
    cmpwi   4, 1
    mr      4, 1
    bne     1f
    lis     1, irq_stack_top@ha         /* first level: switch to the interrupt stack */
    addi    1, 1, irq_stack_top@l
1:  stwu    4, -FRAME(1)                /* back chain = interrupted r1 */
    stw     0, F_R0(1)
    stw     5, F_R3+8(1)
    stw     6, F_R3+12(1)
    stw     7, F_R3+16(1)
    stw     8, F_R3+20(1)
    stw     9, F_R3+24(1)
    stw     10, F_R3+28(1)
    stw     11, F_R3+32(1)
    stw     12, F_R3+36(1)
    mfspr   3, SPR_SPRG0
    stw     3, F_R3(1)
    mfspr   4, SPR_SPRG1
    stw     4, F_R3+4(1)
    mfcr    3
    stw     3, F_CR(1)
    mflr    3
    stw     3, F_LR(1)
    mfctr   3
    stw     3, F_CTR(1)
    mfxer   3
    stw     3, F_XER(1)
    mfspr   3, SPR_SRR0
    stw     3, F_SRR0(1)
    mfspr   3, SPR_SRR1
    stw     3, F_SRR1(1)
    .endm

/* Restore and return; MSR[EE] must be clear here. */
    .macro  irq_epilogue
    lwz     3, F_SRR1(1)
    mtspr   SPR_SRR1, 3
    lwz     3, F_SRR0(1)
    mtspr   SPR_SRR0, 3
    lwz     3, F_XER(1)
    mtxer   3
    lwz     3, F_CTR(1)
    mtctr   3
    lwz     3, F_LR(1)
    mtlr    3
    lwz     3, F_CR(1)
    mtcr    3
    lwz     0, F_R0(1)
    lwz     5, F_R3+8(1)
    lwz     6, F_R3+12(1)
    lwz     7, F_R3+16(1)
    lwz     8, F_R3+20(1)
    lwz     9, F_R3+24(1)
    lwz     10, F_R3+28(1)
    lwz     11, F_R3+32(1)
    lwz     12, F_R3+36(1)
    lis     3, irq_nesting@ha
    lwz     4, irq_nesting@l(3)
    addi    4, 4, -1
    stw     4, irq_nesting@l(3)
    lwz     3, F_R3(1)
    lwz     4, F_R3+4(1)
    lwz     1, 0(1)                     /* back to the interrupted stack */
    rfi
    .endm

/* IVOR4: external input from the INTC, software vector mode, nesting allowed. */
    .align  4
    .globl  external_input_handler
    .type   external_input_handler, @function
external_input_handler:
    irq_prologue
    lis     3, INTC_IACKR@ha
    lwz     3, INTC_IACKR@l(3)          /* &isr_table[source]; raises CPR */
    lwz     0, 0(3)
    mtctr   0
    wrteei  1                           /* higher-priority sources may now nest */
    bctrl
    wrteei  0
    mbar    0                           /* ISR's flag clear completes before EOIR */
    lis     3, INTC_EOIR@ha
    li      0, 0
    stw     0, INTC_EOIR@l(3)           /* restores the previous CPR */
    irq_epilogue
    .size   external_input_handler, . - external_input_handler

/* IVOR10: decrementer. */
    .align  4
    .globl  decrementer_handler
    .type   decrementer_handler, @function
decrementer_handler:
    irq_prologue
    bl      decrementer_isr
    irq_epilogue
    .size   decrementer_handler, . - decrementer_handler

    .text
    .globl  _start
    .type   _start, @function
_start:
    lis     1, __stack_top@ha
    addi    1, 1, __stack_top@l
    li      0, 0
    stwu    0, -16(1)                   /* terminate the back chain */

    lis     3, _reset@h                 /* IVPR: upper 16 bits of the vector base */
    mtspr   SPR_IVPR, 3
    .irp    n, 0,1,2,3,5,6,7,8,9,11,12,13,14,15
    li      3, ivor\n\()_stub@l
    mtspr   SPR_IVOR0 + \n, 3
    .endr
    li      3, external_input_handler@l
    mtspr   SPR_IVOR0 + 4, 3
    li      3, decrementer_handler@l
    mtspr   SPR_IVOR0 + 10, 3

    lis     3, __data_load@ha           /* copy .data from flash */
    addi    3, 3, __data_load@l
    lis     4, __data_start@ha
    addi    4, 4, __data_start@l
    lis     5, __data_end@ha
    addi    5, 5, __data_end@l
1:  cmplw   4, 5
    bge     2f
    lwz     0, 0(3)
    stw     0, 0(4)
    addi    3, 3, 4
    addi    4, 4, 4
    b       1b
2:  lis     4, __bss_start@ha           /* zero .bss */
    addi    4, 4, __bss_start@l
    lis     5, __bss_end@ha
    addi    5, 5, __bss_end@l
    li      0, 0
3:  cmplw   4, 5
    bge     4f
    stw     0, 0(4)
    addi    4, 4, 4
    b       3b
4:  bl      main
    li      3, 0x7E                     /* main must not return */
    b       sim_exit_asm
    .size   _start, . - _start

/* r3 = IVOR number of an interrupt nobody expects: report it and exit 0x80 + n. */
    .type   unexpected_interrupt, @function
unexpected_interrupt:
    mfspr   4, SPR_SRR0
    lis     1, irq_stack_top@ha         /* a known-good stack */
    addi    1, 1, irq_stack_top@l
    bl      unexpected_interrupt_c
    li      3, 0x7F
sim_exit_asm:
    lis     4, SIMCTL@ha
    stw     3, SIMCTL@l(4)
    b       .
    .size   unexpected_interrupt, . - unexpected_interrupt

    .bss
    .align  4
    .globl  irq_nesting
    .type   irq_nesting, @object
    .size   irq_nesting, 4
irq_nesting:
    .space  4
    .align  4
    .globl  irq_stack, irq_stack_top
irq_stack:
    .space  4096
irq_stack_top:

    .section .note.GNU-stack, "", @progbits
