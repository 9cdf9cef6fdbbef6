@ Shared Cortex-M4 runtime: reset, stacks, UART console, semihosting exit, fault handler.
    .syntax unified
    .thumb
    .equ UART0_DATA, 0x40004000
    .equ UART0_CTRL, 0x40004008
    .equ ISR_STACK_SIZE, 512
    .equ THREAD_STACK_SIZE, 2048
    .equ SYS_EXIT, 0x18
    .equ SYS_EXIT_EXTENDED, 0x20
    .equ ADP_STOPPED_APPLICATION_EXIT, 0x20026

    .bss
    .balign 8
    .type isr_stack_guard, %object
isr_stack_guard:                 @ scratch below the interrupt stack: overflows land here
    .space 4096
    .global __isr_stack_base
    .type __isr_stack_base, %object
__isr_stack_base:                @ handler mode runs on MSP = this stack (ARMv7-M ARM B1.4.2)
    .space ISR_STACK_SIZE
    .global __isr_stack_top
    .type __isr_stack_top, %object
__isr_stack_top:
    .space 0
    .global __thread_stack_base
    .type __thread_stack_base, %object
__thread_stack_base:             @ thread mode runs on PSP = this stack
    .space THREAD_STACK_SIZE
    .global __thread_stack_top
    .type __thread_stack_top, %object
__thread_stack_top:
    .space 0
    .type exit_block, %object
exit_block:                      @ SYS_EXIT_EXTENDED parameter block {reason, code}
    .space 8

    .text
@ Reset: thread code on PSP (CONTROL.SPSEL=1, B1.4.4), MSP left at __isr_stack_top for handlers.
    .global reset_handler
    .type reset_handler, %function
reset_handler:
    ldr r0, =__thread_stack_top
    msr psp, r0
    movs r0, #2
    msr control, r0
    isb
    ldr r1, =UART0_CTRL
    movs r0, #1                  @ TX enable
    str r0, [r1]
    bl main
    b exit

@ exit(code r0): semihosting SYS_EXIT (code 0) or SYS_EXIT_EXTENDED (ARM IHI 0070 6.5, 6.6).
    .global exit
    .type exit, %function
exit:
    cbnz r0, .Lexit_ext
    movs r0, #SYS_EXIT
    ldr r1, =ADP_STOPPED_APPLICATION_EXIT
    bkpt 0xab
    b .Lexit_hang
.Lexit_ext:
    ldr r1, =exit_block
    ldr r2, =ADP_STOPPED_APPLICATION_EXIT
    str r2, [r1]
    str r0, [r1, #4]
    movs r0, #SYS_EXIT_EXTENDED
    bkpt 0xab
.Lexit_hang:
    b .Lexit_hang

@ putc(char r0) to the CMSDK UART data register.
    .global putc
    .type putc, %function
putc:
    ldr r1, =UART0_DATA
    str r0, [r1]
    bx lr

@ puts(string r0): writes a NUL-terminated string.
    .global puts
    .type puts, %function
puts:
    ldr r1, =UART0_DATA
.Lputs_loop:
    ldrb r2, [r0], #1
    cbz r2, .Lputs_out
    str r2, [r1]
    b .Lputs_loop
.Lputs_out:
    bx lr

@ put_dec(value r0): unsigned decimal.
    .global put_dec
    .type put_dec, %function
put_dec:
    push {r4, r5, lr}
    sub sp, sp, #16
    add r4, sp, #15
    movs r1, #0
    strb r1, [r4]
    movs r5, #10
.Lpd_digit:
    udiv r2, r0, r5
    mls r3, r2, r5, r0
    adds r3, r3, #48
    sub r4, r4, #1
    strb r3, [r4]
    movs r0, r2
    cbz r0, .Lpd_print
    b .Lpd_digit
.Lpd_print:
    mov r0, r4
    bl puts
    add sp, sp, #16
    pop {r4, r5, pc}

@ Any fault: report and exit with code 3.
    .global fault_handler
    .type fault_handler, %function
fault_handler:
    ldr r0, =msg_fault
    bl puts
    movs r0, #3
    b exit

    .global default_handler
    .type default_handler, %function
default_handler:
    ldr r0, =msg_unexpected
    bl puts
    movs r0, #4
    b exit

    .section .rodata
msg_fault:
    .asciz "FAULT\n"
msg_unexpected:
    .asciz "unexpected exception\n"
