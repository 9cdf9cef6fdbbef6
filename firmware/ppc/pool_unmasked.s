# pool_unmasked (e200-mcu): thread code loops on pool_alloc_nomask/pool_free_nomask; PIT0 is
# programmed so that its first timeout falls inside the thread's 10th pool_alloc_nomask call,
# after the free-list head has been read and before it is written back, and its handler calls
# pool_alloc_nomask/pool_free_nomask on the same pool: the unprotected update is re-entered.
#
# Timing under the e200z6 cycle model (emulator/engine/cyclemodel.py: ALU/load/store 1, wrteei 2,
# taken branch 2, not-taken branch 1).  Interrupts are taken at the first block boundary at or
# after the PIT timeout.  Let T be the cycle of pit0_start's TCTRL store (the channel starts;
# first timeout at T + LDVAL + 1, MPC5604B RM "PIT"):
#   T     stw TCTRL 1, wrteei 1 2, blr 2                        -> li 30, 0 at T + 5
#   T+5   li 30, 0 1                                            -> .Lmain_loop at T + 6
#   one pass of .Lmain_loop, 3 + 11 + 4 + 10 + 7 = 35 cycles:
#     mr 1, bl 2                                                -> pool_alloc_nomask at +3
#     pool_alloc_nomask: block [lwz, cmpwi, beq not taken] 3 (entry to +0xc), 6 more, blr 2
#     mr 1, mr 1, bl 2
#     pool_free_nomask: cmpwi 1, beqlr not taken 1, 6 loads/stores/adds, blr 2
#     lwz 1, cmpwi 1, bne not taken 1, addi 1, cmplwi 1, blt taken 2
# so call k (k = 0, 1, ...) enters pool_alloc_nomask at E = T + 9 + 35 k, and its block
# boundary after the head load (pool_alloc_nomask+0xc) is at E + 3.  A timeout at E + 1..E + 3
# is taken exactly there; aim at E + 2 of call 9:  LDVAL + 1 = 9 + 35 * 9 + 2.
# (tests/test_scenarios.py moves the timeout over E..E + 4: exactly E + 1..E + 3 land.)
    .equ CALL, 9
    .equ LDVAL, 10 + 35 * CALL
    .equ MAX_CALLS, 20

    .bss
    .type pool, @object
pool:
    .space 16
    .type pool_buf, @object
pool_buf:
    .space 8 * 32
    .type state, @object
state:                               # { ticks, preempted pc, calls made }
    .space 12

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
    li 30, 0
.Lmain_loop:
    mr 3, 31
    bl pool_alloc_nomask
    mr 4, 3
    mr 3, 31
    bl pool_free_nomask
    lwz 3, 0(29)
    cmpwi 3, 0
    bne .Lmain_ticked
    addi 30, 30, 1
    cmplwi 30, MAX_CALLS
    blt .Lmain_loop
.Lmain_ticked:
    bl pit0_stop
    stw 30, 8(29)
    lwz 3, 4(29)                     # where PIT0 preempted the thread
    lis 4, pool_alloc_nomask@ha
    addi 4, 4, pool_alloc_nomask@l
    subf 3, 4, 3                     # offset into pool_alloc_nomask
    cmplwi 3, 0
    beq .Lmain_missed                # at the entry: the head was not read yet
    lis 5, pool_free_nomask@ha       # the next function in allocators_asm/ppc/pool.s
    addi 5, 5, pool_free_nomask@l
    subf 5, 4, 5
    cmplw 3, 5
    bge .Lmain_missed
    mr 30, 3
    lis 3, msg_hit@ha
    addi 3, 3, msg_hit@l
    bl puts
    mr 3, 30
    bl put_dec
    lis 3, msg_call@ha
    addi 3, 3, msg_call@l
    bl puts
    lwz 3, 8(29)
    addi 3, 3, 1                     # calls counted from 1
    bl put_dec
    li 3, 10
    bl putc
    li 3, 0
    b .Lmain_out
.Lmain_missed:
    lis 3, msg_missed@ha
    addi 3, 3, msg_missed@l
    bl puts
    li 3, 2
.Lmain_out:
    lwz 29, 20(1)
    lwz 30, 24(1)
    lwz 31, 28(1)
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

# PIT0: note the interrupted PC (SRR0, saved by ext_handler at 68 in its frame, whose address
# is our back chain: firmware/ppc/lib/rt.s), then use the thread's pool without masking.
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
    lwz 4, 0(1)
    lwz 4, 68(4)
    stw 4, 4(5)
    lis 3, pool@ha                   # BUG: same pool, no masking, the thread is mid-update
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
msg_hit:
    .asciz "pool_unmasked: interrupted pool_alloc_nomask at +"
msg_call:
    .asciz " in call "
msg_missed:
    .asciz "pool_unmasked: never landed inside pool_alloc_nomask\n"
