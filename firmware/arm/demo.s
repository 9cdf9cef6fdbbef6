@ demo: clean use of all three allocators from thread code, and of the interrupt-safe ones
@ (pool, ATOMIC pages) from a low-priority SysTick and a high-priority TIMER0 that nests in it.
    .syntax unified
    .thumb
    .equ LOOPS, 24
    .equ MIN_TICKS, 8

    .section .vectors
    .global __vectors
    .type __vectors, %object
__vectors:                       @ ARMv7-M ARM B1.5.3: initial SP, then exception 1..15, IRQ0..
    .word __isr_stack_top, reset_handler, default_handler, fault_handler
    .word fault_handler, fault_handler, fault_handler, 0
    .word 0, 0, 0, default_handler
    .word default_handler, 0, default_handler, systick_handler
    .word default_handler, default_handler, default_handler, default_handler
    .word default_handler, default_handler, default_handler, default_handler
    .word timer0_handler, default_handler

    .bss
    .balign 4096
    .type page_region, %object
page_region:
    .space 8 * 4096
    .type heap_region, %object
heap_region:
    .space 4096
    .type pool_buf, %object
pool_buf:
    .space 32 * 16
    .type pool, %object
pool:
    .space 16
    .type ticks, %object
ticks:                           @ { systick count, timer0 count, nested count, in_systick }
    .space 16

    .text
    .global main
    .type main, %function
main:
    push {r4, r5, r6, r7, lr}
    ldr r0, =page_region
    movs r1, #8
    bl page_init
    ldr r0, =heap_region
    mov r1, #4096
    bl heap_init
    ldr r0, =pool
    ldr r1, =pool_buf
    movs r2, #32
    movs r3, #16
    bl pool_init
    bl start_timers
    movs r4, #0
.Lmain_loop:
    ldr r0, =pool
    bl pool_alloc
    cbz r0, .Lmain_fail
    mov r5, r0
    ands r0, r4, #1
    lsls r0, r0, #1              @ PAGE_ZERO on odd iterations
    bl page_alloc
    cbz r0, .Lmain_fail
    mov r6, r0
    lsls r0, r4, #3
    adds r0, r0, #24
    bl heap_malloc
    cbz r0, .Lmain_fail
    mov r7, r0
    str r4, [r5]                 @ use the memory
    str r4, [r6, #4092]
    str r4, [r7]
    mov r0, r7
    bl heap_free
    mov r0, r6
    bl page_free
    ldr r0, =pool
    mov r1, r5
    bl pool_free
    adds r4, r4, #1
    cmp r4, #LOOPS
    blo .Lmain_loop
    ldr r0, =ticks
    movs r1, #MIN_TICKS
    bl wait_ticks
    bl systick_stop
    bl timer0_stop
    bl report
    movs r0, #0
    pop {r4, r5, r6, r7, pc}
.Lmain_fail:
    ldr r0, =msg_fail
    bl puts
    movs r0, #1
    pop {r4, r5, r6, r7, pc}

@ SysTick every 5000 cycles at priority 0xE0; TIMER0 every 7919 cycles at priority 0x20.
    .type start_timers, %function
start_timers:
    push {r4, lr}
    movs r0, #0x20
    bl irq8_setup
    ldr r0, =7918
    bl timer0_start
    ldr r0, =4999
    movs r1, #0xE0
    bl systick_start
    pop {r4, pc}

    .type report, %function
report:
    push {r4, lr}
    ldr r4, =ticks
    ldr r0, =msg_ticks
    bl puts
    ldr r0, [r4]
    bl put_dec
    ldr r0, =msg_timer0
    bl puts
    ldr r0, [r4, #4]
    bl put_dec
    ldr r0, =msg_nested
    bl puts
    ldr r0, [r4, #8]
    bl put_dec
    movs r0, #10
    bl putc
    pop {r4, pc}

@ Low priority: pool block and an ATOMIC page; every other tick pends TIMER0 to nest.
    .global systick_handler
    .type systick_handler, %function
systick_handler:
    push {r4, r5, r6, lr}
    ldr r6, =ticks
    movs r0, #1
    str r0, [r6, #12]            @ in_systick = 1
    ldr r0, [r6]
    adds r0, r0, #1
    str r0, [r6]
    ldr r0, =pool
    bl pool_alloc
    mov r4, r0
    movs r0, #1                  @ PAGE_ATOMIC
    bl page_alloc
    mov r5, r0
    ldr r0, [r6]
    tst r0, #1
    beq .Lst_free
    bl irq8_pend                 @ TIMER0 (priority 0x20) preempts right here
.Lst_free:
    mov r0, r5
    bl page_free
    ldr r0, =pool
    mov r1, r4
    bl pool_free
    movs r0, #0
    str r0, [r6, #12]
    pop {r4, r5, r6, pc}

@ High priority: acknowledge TIMER0, take and give back a pool block and an ATOMIC page.
    .global timer0_handler
    .type timer0_handler, %function
timer0_handler:
    push {r4, r5, r6, lr}
    ldr r1, =TIMER0
    movs r0, #1
    str r0, [r1, #12]            @ INTCLEAR
    ldr r6, =ticks
    ldr r0, [r6, #4]
    adds r0, r0, #1
    str r0, [r6, #4]
    ldr r0, [r6, #12]
    ldr r1, [r6, #8]
    add r1, r1, r0
    str r1, [r6, #8]             @ nested += in_systick
    ldr r0, =pool
    bl pool_alloc
    mov r4, r0
    movs r0, #1
    bl page_alloc
    mov r5, r0
    bl page_free
    ldr r0, =pool
    mov r1, r4
    bl pool_free
    pop {r4, r5, r6, pc}

    .section .rodata
msg_fail:
    .asciz "demo: allocation failed\n"
msg_ticks:
    .asciz "demo: ok systick="
msg_timer0:
    .asciz " timer0="
msg_nested:
    .asciz " nested="
