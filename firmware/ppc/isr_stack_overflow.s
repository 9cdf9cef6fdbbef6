# isr_stack_overflow (e200-mcu): the PIT0 handler's call chain needs 544 bytes of the 512-byte
# interrupt stack (firmware/ppc/lib/rt.s): ext_handler's frame 80 + pit0_handler's frame 16 +
# fill_frame's array 448 = 544, so fill_frame's first store lands 32 bytes below
# __isr_stack_base.  (The interrupted thread keeps its own stack: ext_handler switches r1.)
    .equ FRAME_BYTES, 448

    .bss
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
    li 3, 2999                       # PIT0 every 3000 cycles
    li 4, 2                          # INTC priority 2
    bl pit0_start
    lis 3, ticks@ha
    addi 3, 3, ticks@l
    li 4, 1
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
    li 3, FRAME_BYTES
    bl fill_frame
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# fill_frame(bytes r3): a leaf with a local array of r3 bytes (a multiple of 16), made by moving
# r1 down and written from its lowest word upwards, then released.  Like the ARM twin's
# `sub sp, sp, r0` it stores no back chain (it calls nothing), so the array's first word is
# 0(r1) and one instruction makes every write below the base.
    .global fill_frame
    .type fill_frame, @function
fill_frame:
    subf 1, 3, 1
    mr 5, 1
    add 6, 1, 3
    li 7, 0
.Lff_loop:
    stw 7, 0(5)
    addi 5, 5, 4
    cmplw 5, 6
    blt .Lff_loop
    add 1, 1, 3
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
    .asciz "isr_stack_overflow: done\n"
