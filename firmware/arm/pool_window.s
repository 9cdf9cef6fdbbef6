@ pool_window: pool_unmasked's bug where a single run cannot see it.  Thread code calls
@ pool_alloc_nomask/pool_free_nomask on a pool eight times, then waits for SysTick; SysTick's
@ first tick (reload 800) comes while the thread waits, long after those calls, and its
@ handler allocates from and frees to the same pool without masking.  A plain run is clean;
@ delivered inside the thread's unmasked pool_alloc_nomask (fwsandbox explore), the handler
@ re-enters the free-list update.
    .syntax unified
    .thumb
    .equ CALLS, 8
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
state:                           @ { ticks }
    .space 4

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
    ldr r0, =800
    movs r1, #0xE0
    bl systick_start
    ldr r4, =pool
    ldr r5, =state
    movs r6, #CALLS
.Lmain_loop:
    mov r0, r4
    bl pool_alloc_nomask
    mov r1, r0
    mov r0, r4
    bl pool_free_nomask
    subs r6, r6, #1
    bne .Lmain_loop
.Lmain_wait:                     @ until the first tick
    ldr r0, [r5]
    cmp r0, #0
    beq .Lmain_wait
    bl systick_stop
    ldr r0, =msg_done
    bl puts
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
    ldr r0, =pool                @ BUG: the thread's pool, no masking
    bl pool_alloc_nomask
    mov r1, r0
    ldr r0, =pool
    bl pool_free_nomask
    pop {r4, pc}

    .section .rodata
msg_done:
    .asciz "pool_window: ticked after the allocations\n"
