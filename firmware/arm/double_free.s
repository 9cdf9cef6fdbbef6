@ double_free: thread code frees one pool block twice and frees a pointer the pool never
@ handed out; SysTick keeps ticking meanwhile (the allocators do not notice: the sandbox must).
    .syntax unified
    .thumb
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
    .space 4 * 16
    .type stray, %object
stray:                           @ never allocated
    .space 16
    .type ticks, %object
ticks:
    .space 4

    .text
    .global main
    .type main, %function
main:
    push {r4, lr}
    ldr r0, =2999
    movs r1, #0xE0
    bl systick_start
    ldr r0, =pool
    ldr r1, =pool_buf
    movs r2, #16
    movs r3, #4
    bl pool_init
    ldr r0, =pool
    bl pool_alloc
    mov r4, r0
    ldr r0, =pool
    mov r1, r4
    bl pool_free
    ldr r0, =pool
    mov r1, r4
    bl pool_free                 @ BUG: double free
    ldr r0, =pool
    ldr r1, =stray
    bl pool_free                 @ BUG: never allocated
    ldr r0, =ticks
    movs r1, #2
    bl wait_ticks
    bl systick_stop
    ldr r0, =msg_done
    bl puts
    movs r0, #0
    pop {r4, pc}

    .global systick_handler
    .type systick_handler, %function
systick_handler:
    ldr r1, =ticks
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    bx lr

    .section .rodata
msg_done:
    .asciz "double_free: done\n"
