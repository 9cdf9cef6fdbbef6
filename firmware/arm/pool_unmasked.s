@ pool_unmasked: thread code loops on pool_alloc_nomask/pool_free_nomask; SysTick (every 211
@ cycles) looks at the stacked PC (PSP frame word 6, ARMv7-M ARM B1.5.6) and, once it has
@ interrupted pool_alloc_nomask past its first instruction, calls pool_alloc_nomask on the same pool: the
@ unprotected free-list update is re-entered.  Then the run stops.
    .syntax unified
    .thumb
    .equ MAX_TICKS, 5000
    .section .vectors
    .global __vectors
    .type __vectors, %object
__vectors:                       @ ARMv7-M ARM B1.5.3: initial SP, exceptions 1..15, IRQ0..IRQ8
    .word __isr_stack_top, reset_handler, default_handler, fault_handler
    .word fault_handler, fault_handler, fault_handler, 0
    .word 0, 0, 0, default_handler
    .word default_handler, 0, default_handler, systick_handler
    .word default_handler, default_handler, default_handler, default_handler
    .word default_handler, default_handler, default_handler, default_handler
    .word default_handler, default_handler

    .bss
    .type pool, %object
pool:
    .space 16
    .type pool_buf, %object
pool_buf:
    .space 8 * 32
    .type state, %object
state:                           @ { ticks, hit }
    .space 8

    .text
    .global main
    .type main, %function
main:
    push {r4, r5, r6, lr}
    ldr r0, =pool
    ldr r1, =pool_buf
    movs r2, #32
    movs r3, #8
    bl pool_init
    movs r0, #210
    movs r1, #0xE0
    bl systick_start
    ldr r4, =pool
    ldr r5, =state
.Lmain_loop:
    mov r0, r4
    bl pool_alloc_nomask
    mov r1, r0
    mov r0, r4
    bl pool_free_nomask
    ldr r0, [r5, #4]
    cbnz r0, .Lmain_hit
    ldr r0, [r5]
    ldr r1, =MAX_TICKS
    cmp r0, r1
    blo .Lmain_loop
    bl systick_stop
    ldr r0, =msg_missed
    bl puts
    movs r0, #2
    pop {r4, r5, r6, pc}
.Lmain_hit:
    bl systick_stop
    ldr r0, =msg_hit
    bl puts
    ldr r0, [r5]
    bl put_dec
    movs r0, #10
    bl putc
    movs r0, #0
    pop {r4, r5, r6, pc}

    .global systick_handler
    .type systick_handler, %function
systick_handler:
    push {r4, lr}
    ldr r3, =state
    ldr r0, [r3]
    adds r0, r0, #1
    str r0, [r3]
    ldr r0, [r3, #4]
    cbnz r0, .Lst_out            @ only once
    mrs r0, psp
    ldr r0, [r0, #24]            @ stacked return address of the thread
    ldr r1, =pool_alloc_nomask
    bic r1, r1, #1
    ldr r2, =pool_free_nomask    @ the next function in allocators_asm/arm/pool.s
    bic r2, r2, #1
    cmp r0, r1                   @ strictly after the entry: the head has been read
    bls .Lst_out
    cmp r0, r2
    bhs .Lst_out
    movs r0, #1
    str r0, [r3, #4]
    ldr r0, =pool                @ BUG: same pool, no masking, thread is mid-update
    bl pool_alloc_nomask
    mov r1, r0
    ldr r0, =pool
    bl pool_free_nomask
.Lst_out:
    pop {r4, pc}

    .section .rodata
msg_hit:
    .asciz "pool_unmasked: interrupted pool_alloc_nomask at tick "
msg_missed:
    .asciz "pool_unmasked: never landed inside pool_alloc_nomask\n"
