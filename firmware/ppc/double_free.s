# double_free (e200-mcu): thread code frees one pool block twice and frees a pointer the pool
# never handed out; PIT0 keeps ticking meanwhile (the allocators do not notice: the sandbox must).

    .bss
    .type pool, @object
pool:
    .space 16
    .type pool_buf, @object
pool_buf:
    .space 4 * 16
    .type stray, @object
stray:                               # never allocated
    .space 16
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
    stw 31, 12(1)
    li 3, 2999                       # PIT0 every 3000 cycles at priority 2
    li 4, 2
    bl pit0_start
    lis 3, pool@ha
    addi 3, 3, pool@l
    lis 4, pool_buf@ha
    addi 4, 4, pool_buf@l
    li 5, 16
    li 6, 4
    bl pool_init
    lis 3, pool@ha
    addi 3, 3, pool@l
    bl pool_alloc
    mr 31, 3
    lis 3, pool@ha
    addi 3, 3, pool@l
    mr 4, 31
    bl pool_free
    lis 3, pool@ha
    addi 3, 3, pool@l
    mr 4, 31
    bl pool_free                     # BUG: double free
    lis 3, pool@ha
    addi 3, 3, pool@l
    lis 4, stray@ha
    addi 4, 4, stray@l
    bl pool_free                     # BUG: never allocated
    lis 3, ticks@ha
    addi 3, 3, ticks@l
    li 4, 2
    bl wait_ticks
    bl pit0_stop
    lis 3, msg_done@ha
    addi 3, 3, msg_done@l
    bl puts
    li 3, 0
    lwz 31, 12(1)
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

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
    .asciz "double_free: done\n"
