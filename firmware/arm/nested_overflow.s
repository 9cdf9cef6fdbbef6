@ nested_overflow: each handler alone fits the 512-byte interrupt stack, nested they do not.
@ SysTick (priority 0xE0) uses 8 + 8 + 312 = 328 bytes and pends IRQ8 while its frame is live;
@ TIMER0 (priority 0x20) preempts: 32-byte exception frame at MSP (8-aligned, top-328), then
@ 8 + 8 + 248 = 264 bytes: 328 + 32 + 264 = 624, i.e. 112 bytes below __isr_stack_base.
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
    .word timer0_handler, default_handler

    .bss
    .type ticks, %object
ticks:
    .space 8

    .text
    .global main
    .type main, %function
main:
    push {r4, lr}
    movs r0, #0x20
    bl irq8_setup
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
    mov r0, #312
    bl frame_then_pend
    pop {r4, pc}

@ frame_then_pend(bytes r0): fill a local array, pend IRQ8 while it is live, release it.
    .global frame_then_pend
    .type frame_then_pend, %function
frame_then_pend:
    push {r4, lr}
    mov r4, r0
    bl fill_frame_keep
    bl irq8_pend
    add sp, sp, r4
    pop {r4, pc}

@ fill_frame_keep(bytes r0): allocate and fill r0 bytes below SP and return with them allocated
@ (a leaf helper that moves SP for its caller, as alloca does; LR preserved).
    .type fill_frame_keep, %function
fill_frame_keep:
    sub sp, sp, r0
    mov r1, sp
    add r2, sp, r0
    movs r3, #0
.Lffk_loop:
    str r3, [r1], #4
    cmp r1, r2
    blo .Lffk_loop
    bx lr

    .global timer0_handler
    .type timer0_handler, %function
timer0_handler:
    push {r4, lr}
    ldr r1, =ticks
    ldr r0, [r1, #4]
    adds r0, r0, #1
    str r0, [r1, #4]
    mov r0, #248
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
    .asciz "nested_overflow: done\n"
