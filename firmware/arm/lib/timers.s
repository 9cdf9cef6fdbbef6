@ Shared Cortex-M4 timer set-up: SysTick and CMSDK TIMER0 with NVIC/SCB priorities.
    .syntax unified
    .thumb
    .equ SYST_CSR, 0xE000E010
    .equ NVIC_ISER0, 0xE000E100
    .equ NVIC_ISPR0, 0xE000E200
    .equ NVIC_IPR2, 0xE000E408       @ priority bytes of IRQ8..IRQ11 (B3.4.9)
    .equ SCB_SHPR3, 0xE000ED20       @ SysTick priority in bits 31:24 (B3.2.12)
    .equ TIMER0, 0x40000000
    .equ IRQ8_BIT, 0x100

    .text
@ systick_start(reload r0, priority r1): CLKSOURCE=processor clock, TICKINT, ENABLE (B3.3.3).
    .global systick_start
    .type systick_start, %function
systick_start:
    ldr r2, =SCB_SHPR3
    ldr r3, [r2]
    bic r3, r3, #0xFF000000
    orr r3, r3, r1, lsl #24
    str r3, [r2]
    ldr r2, =SYST_CSR
    str r0, [r2, #4]                 @ LOAD
    movs r0, #0
    str r0, [r2, #8]                 @ VAL (any write clears it)
    movs r0, #7
    str r0, [r2]
    bx lr

    .global systick_stop
    .type systick_stop, %function
systick_stop:
    ldr r2, =SYST_CSR
    movs r0, #0
    str r0, [r2]
    bx lr

@ irq8_setup(priority r0): TIMER0's NVIC line enabled at ``priority`` (timer itself not started).
    .global irq8_setup
    .type irq8_setup, %function
irq8_setup:
    ldr r1, =NVIC_IPR2
    strb r0, [r1]
    ldr r1, =NVIC_ISER0
    mov r0, #IRQ8_BIT
    str r0, [r1]
    bx lr

@ irq8_pend(): software-pend IRQ8 (NVIC_ISPR0, B3.4.6); it preempts once the barrier completes.
    .global irq8_pend
    .type irq8_pend, %function
irq8_pend:
    ldr r1, =NVIC_ISPR0
    mov r0, #IRQ8_BIT
    str r0, [r1]
    dsb
    isb
    bx lr

@ timer0_start(reload r0): CMSDK timer periodic with interrupt (CTRL enable | IRQ enable).
    .global timer0_start
    .type timer0_start, %function
timer0_start:
    ldr r1, =TIMER0
    str r0, [r1, #8]
    str r0, [r1, #4]
    movs r0, #9
    str r0, [r1]
    bx lr

    .global timer0_stop
    .type timer0_stop, %function
timer0_stop:
    ldr r1, =TIMER0
    movs r0, #0
    str r0, [r1]
    str r0, [r1, #12]
    bx lr

@ wait_ticks(counter r0, n r1): sleep (WFI) until the word at r0 reaches n.
    .global wait_ticks
    .type wait_ticks, %function
wait_ticks:
    ldr r2, [r0]
    cmp r2, r1
    bhs .Lwt_done
    wfi
    b wait_ticks
.Lwt_done:
    bx lr
