# shared_count (e200-mcu): a lost update a single run does not show.  Thread code counts
# events with count_event, a plain read-modify-write of `events` (lwz / addi / stw); PIT0's
# handler counts its timeouts into the same word.  A timeout between the thread's load and its
# store would lose the handler's increment; PIT0 (LDVAL 700) times out while the thread is in
# its delay loop, never inside count_event, so a plain run loses nothing and exits 0.  No
# allocator is involved: `fwsandbox explore --window count_event` finds it (shared-write).
    .equ CALLS, 8
    .equ LDVAL, 700
    .equ DELAY, 40

    .bss
    .type events, @object
events:
    .space 4
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
    li 3, LDVAL
    li 4, 2                          # INTC priority 2
    bl pit0_start
    li 31, CALLS
.Lmain_loop:
    bl count_event
    li 3, DELAY
.Lmain_delay:
    addi 3, 3, -1
    cmpwi 3, 0
    bne .Lmain_delay
    addi 31, 31, -1
    cmpwi 31, 0
    bne .Lmain_loop
    bl pit0_stop
    lis 5, events@ha
    lwz 3, events@l(5)
    lis 5, ticks@ha
    lwz 4, ticks@l(5)
    addi 4, 4, CALLS
    cmpw 3, 4
    bne .Lmain_lost
    lis 3, msg_ok@ha
    addi 3, 3, msg_ok@l
    bl puts
    li 3, 0
    b .Lmain_out
.Lmain_lost:
    lis 3, msg_lost@ha
    addi 3, 3, msg_lost@l
    bl puts
    li 3, 1
.Lmain_out:
    lwz 31, 12(1)
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

    .global count_event
    .type count_event, @function
count_event:                         # BUG: not atomic with respect to pit0_handler
    lis 4, events@ha
    lwz 3, events@l(4)
    addi 3, 3, 1
    stw 3, events@l(4)
    blr

    .global pit0_handler
    .type pit0_handler, @function
pit0_handler:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    bl pit0_ack
    lis 5, events@ha
    lwz 3, events@l(5)
    addi 3, 3, 1
    stw 3, events@l(5)
    lis 5, ticks@ha
    lwz 3, ticks@l(5)
    addi 3, 3, 1
    stw 3, ticks@l(5)
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
msg_ok:
    .asciz "shared_count: no update lost\n"
msg_lost:
    .asciz "shared_count: an update was lost\n"
