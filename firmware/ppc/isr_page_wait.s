# isr_page_wait (e200-mcu): the PIT0 handler calls page_alloc without PAGE_ATOMIC (it may wait).
    .equ TICKS, 3

    .bss
    .balign 4096
    .type page_region, @object
page_region:
    .space 4 * 4096
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
    lis 3, page_region@ha
    addi 3, 3, page_region@l
    li 4, 4
    bl page_init
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

# BUG: flags 0 (no PAGE_ATOMIC) from interrupt context.  Pages are free here so it returns,
# but with the allocator empty it would spin inside the handler and never see a free page.
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
    li 3, 0
    bl page_alloc
    bl page_free
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
    .asciz "isr_page_wait: done\n"
