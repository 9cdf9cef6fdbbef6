@ isr_heap: the SysTick handler calls the general-purpose heap (heap_malloc / heap_free).
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
    .balign 8
    .type heap_region, %object
heap_region:
    .space 2048
    .type ticks, %object
ticks:
    .space 4

    .text
    .global main
    .type main, %function
main:
    push {r4, lr}
    ldr r0, =heap_region
    mov r1, #2048
    bl heap_init
    ldr r0, =2999
    movs r1, #0xE0
    bl systick_start
    ldr r0, =ticks
    movs r1, #3
    bl wait_ticks
    bl systick_stop
    ldr r0, =msg_done
    bl puts
    movs r0, #0
    pop {r4, pc}

@ BUG: the heap is neither interrupt-safe nor bounded in time.
    .global systick_handler
    .type systick_handler, %function
systick_handler:
    push {r4, lr}
    ldr r1, =ticks
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    movs r0, #48
    bl heap_malloc
    bl heap_free
    pop {r4, pc}

    .section .rodata
msg_done:
    .asciz "isr_heap: done\n"
