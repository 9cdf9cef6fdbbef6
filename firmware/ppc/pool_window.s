# pool_window (e200-mcu): pool_unmasked's bug where a single run cannot see it.  Thread code
# calls pool_alloc_nomask/pool_free_nomask on a pool eight times, then waits for PIT0; PIT0's
# first timeout (LDVAL 1000) comes while the thread waits, long after those calls, and its
# handler allocates from and frees to the same pool without masking.  A plain run is clean;
# delivered inside the thread's unmasked pool_alloc_nomask (fwsandbox explore), the handler
# re-enters the free-list update.
    .equ CALLS, 8
    .equ LDVAL, 1000

    .bss
    .type pool, @object
pool:
    .space 16
    .type pool_buf, @object
pool_buf:
    .space 8 * 32
    .type state, @object
state:                               # { ticks }
    .space 4

    .text
    .global main
    .type main, @function
main:
    stwu 1, -32(1)
    mflr 0
    stw 0, 36(1)
    stw 31, 28(1)
    stw 30, 24(1)
    stw 29, 20(1)
    lis 31, pool@ha
    addi 31, 31, pool@l
    lis 29, state@ha
    addi 29, 29, state@l
    mr 3, 31
    lis 4, pool_buf@ha
    addi 4, 4, pool_buf@l
    li 5, 32
    li 6, 8
    bl pool_init
    li 3, LDVAL
    li 4, 2                          # INTC priority 2
    bl pit0_start
    li 30, CALLS
.Lmain_loop:
    mr 3, 31
    bl pool_alloc_nomask
    mr 4, 3
    mr 3, 31
    bl pool_free_nomask
    addi 30, 30, -1
    cmpwi 30, 0
    bne .Lmain_loop
.Lmain_wait:                         # until the first timeout
    lwz 3, 0(29)
    cmpwi 3, 0
    beq .Lmain_wait
    bl pit0_stop
    lis 3, msg_done@ha
    addi 3, 3, msg_done@l
    bl puts
    li 3, 0
    lwz 29, 20(1)
    lwz 30, 24(1)
    lwz 31, 28(1)
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

    .global pit0_handler
    .type pit0_handler, @function
pit0_handler:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    bl pit0_ack
    lis 5, state@ha
    addi 5, 5, state@l
    lwz 3, 0(5)
    addi 3, 3, 1
    stw 3, 0(5)
    lis 3, pool@ha                   # BUG: the thread's pool, no masking
    addi 3, 3, pool@l
    bl pool_alloc_nomask
    mr 4, 3
    lis 3, pool@ha
    addi 3, 3, pool@l
    bl pool_free_nomask
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
    .asciz "pool_window: ticked after the allocations\n"
