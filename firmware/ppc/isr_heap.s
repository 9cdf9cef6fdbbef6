# isr_heap (e200-mcu): the PIT0 handler calls the general-purpose heap (heap_malloc / heap_free).
    .equ TICKS, 3

    .bss
    .balign 8
    .type heap_region, @object
heap_region:
    .space 2048
    .type ticks, @object
ticks:
    .space 4

    .text
    .global main
    .type main, @function
main:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    lis 3, heap_region@ha
    addi 3, 3, heap_region@l
    li 4, 2048
    bl heap_init
    li 3, 2999                       # PIT0 every 3000 cycles
    li 4, 2                          # INTC priority 2
    bl pit0_start
    lis 3, ticks@ha
    addi 3, 3, ticks@l
    li 4, TICKS
    bl wait_ticks
    bl pit0_stop
    lis 3, msg_done@ha
    addi 3, 3, msg_done@l
    bl puts
    li 3, 0
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# BUG: the heap is neither interrupt-safe nor bounded in time.
    .global pit0_handler
    .type pit0_handler, @function
pit0_handler:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    bl pit0_ack
    lis 4, ticks@ha
    lwz 3, ticks@l(4)
    addi 3, 3, 1
    stw 3, ticks@l(4)
    li 3, 48
    bl heap_malloc
    bl heap_free
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

    .section .rodata
    .balign 2048                     # INTC IACKR.VTBA: 2 KiB aligned (VTES = 0, MPC5554 RM 10.3.1.3)
    .global intc_vectors
    .type intc_vectors, @object
intc_vectors:                        # software vector table: one handler per INTC source
    .word default_handler, default_handler, default_handler, default_handler
    .space 55 * 4, 0
    .word pit0_handler, default_handler, default_handler, default_handler, default_handler
msg_done:
    .asciz "isr_heap: done\n"
