@ isr_stack_overflow: the SysTick handler's call chain needs 544 bytes of a 512-byte interrupt
@ stack: handler push 8 + fill_frame push 8 + frame 528 = 544, so 32 bytes below __isr_stack_base.
@ (Thread code runs on PSP, so the exception frame itself goes to the thread stack.)
    .syntax unified
    .thumb
    .equ FRAME_BYTES, 528
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
    ldr r0, =ticks
    movs r1, #1
    bl wait_ticks
    bl systick_stop
    ldr r0, =msg_done
    bl puts
    movs r0, #0
    pop {r4, pc}

    .global systick_handler
    .type systick_handler, %function
systick_handler:
    push {r4, lr}
    ldr r1, =ticks
    ldr r0, [r1]
    adds r0, r0, #1
    str r0, [r1]
    mov r0, #FRAME_BYTES
    bl fill_frame
    pop {r4, pc}

@ fill_frame(bytes r0): a local array of r0 bytes, written from its lowest word upwards.
    .global fill_frame
    .type fill_frame, %function
fill_frame:
    push {r4, lr}
    sub sp, sp, r0
    mov r1, sp
    add r2, sp, r0
    movs r3, #0
.Lff_loop:
    str r3, [r1], #4
    cmp r1, r2
    blo .Lff_loop
    add sp, sp, r0
    pop {r4, pc}

    .section .rodata
msg_done:
    .asciz "isr_stack_overflow: done\n"
