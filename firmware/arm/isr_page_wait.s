@ isr_page_wait: the SysTick handler calls page_alloc without PAGE_ATOMIC (it may wait).
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
    .balign 4096
    .type page_region, %object
page_region:
    .space 4 * 4096
    .type ticks, %object
ticks:
    .space 4

    .text
    .global main
    .type main, %function
main:
    push {r4, lr}
    ldr r0, =page_region
    movs r1, #4
    bl page_init
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

@ BUG: flags 0 (no PAGE_ATOMIC) from interrupt context.  Pages are free here so it returns,
@ but with the allocator empty it would WFI inside the handler and never wake.
    .global systick_handler
    .type systick_handler, %function
systick_handler:
    push {r4, lr}
    ldr r1, =ticks
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    movs r0, #0
    bl page_alloc
    bl page_free
    pop {r4, pc}

    .section .rodata
msg_done:
    .asciz "isr_page_wait: done\n"
