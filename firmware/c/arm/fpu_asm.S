/* Hard-float firmware's assembly: exception shims, the PendSV task switcher, FP state checks. */
    .syntax unified
    .thumb
    .text

/* Pass EXC_RETURN (r0) and the frame's address (r1: MSP or PSP by EXC_RETURN[2]) to C; the
   tail branch keeps LR, so the C handler's return is the exception return. */
    .macro shim name, target
    .global \name
    .type \name, %function
    .thumb_func
\name:
    mov r0, lr
    tst lr, #4
    ite eq
    mrseq r1, msp
    mrsne r1, psp
    b \target
    .size \name, . - \name
    .endm

    shim SysTick_Handler, systick_isr
    shim TIMER0_Handler, timer0_isr

    .global Fault_Handler
    .type Fault_Handler, %function
    .thumb_func
Fault_Handler:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    b fault_isr
    .size Fault_Handler, . - Fault_Handler

/* The task switch of RTOS Cortex-M4F ports: r4-r11, EXC_RETURN and, when EXC_RETURN[4] is
   clear (the task had an FP context), s16-s31 go to the task's stack; the vstmdb is the FP
   instruction that triggers the lazy save of s0-s15 into the hardware frame. */
    .global PendSV_Handler
    .type PendSV_Handler, %function
    .thumb_func
PendSV_Handler:
    mrs r0, psp
    isb
    tst lr, #0x10
    it eq
    vstmdbeq r0!, {s16-s31}
    stmdb r0!, {r4-r11, lr}
    ldr r3, =current_task
    ldr r2, [r3]
    str r0, [r2]
    bl switch_context
    ldr r3, =current_task
    ldr r2, [r3]
    ldr r0, [r2]
    ldmia r0!, {r4-r11, lr}
    tst lr, #0x10
    it eq
    vldmiaeq r0!, {s16-s31}
    msr psp, r0
    isb
    bx lr
    .size PendSV_Handler, . - PendSV_Handler

/* uint32_t fp_hold_check(uint32_t seed, uint32_t spins, uint32_t fpscr): s0-s31 <- seed,
   seed+1, ...; FPSCR <- fpscr; if seed is odd, pend TIMER0 (NVIC ISPR0 bit 8); spin; return
   how many of s0-s31 and FPSCR changed meanwhile. */
    .global fp_hold_check
    .type fp_hold_check, %function
    .thumb_func
fp_hold_check:
    push {r4-r6, lr}
    vpush {s16-s31}
    vmsr fpscr, r2
    mov r4, r0
    mov r3, r0
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vmov s\n, r3
    adds r3, r3, #1
    .endr
    tst r4, #1
    beq 1f
    ldr r5, =0xE000E200
    movs r6, #(1 << 8)
    str r6, [r5]
    dsb
    isb
1:  subs r1, r1, #1
    bne 1b
    movs r0, #0
    mov r3, r4
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    vmov r5, s\n
    cmp r5, r3
    it ne
    addne r0, r0, #1
    adds r3, r3, #1
    .endr
    vmrs r5, fpscr
    cmp r5, r2
    it ne
    addne r0, r0, #1
    vpop {s16-s31}
    pop {r4-r6, pc}
    .size fp_hold_check, . - fp_hold_check

/* void fp_touch(void): one FP instruction, at fp_touch_insn (the NOCP test's faulting pc). */
    .global fp_touch
    .global fp_touch_insn
    .type fp_touch, %function
    .thumb_func
fp_touch:
fp_touch_insn:
    vmov.f32 s0, s1
    bx lr
    .size fp_touch, . - fp_touch
    .ltorg
