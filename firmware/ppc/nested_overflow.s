# nested_overflow (e200-mcu): each handler alone fits the 512-byte interrupt stack, nested they
# do not.  PIT0 (INTC source 59, priority 2) uses ext_handler's frame 80 + pit0_handler 16 +
# frame_then_pend 16 + array 224 = 336 bytes and raises software interrupt 0 (priority 5)
# while its array is live.  SW0 alone needs 80 + sw0_handler 16 + array 192 = 288 bytes; nested,
# ext_handler stays on the interrupt stack (rt.s) and puts them under PIT0's 336:
# 336 + 288 = 624, i.e. 112 bytes below __isr_stack_base.
    .equ PIT0_BYTES, 224
    .equ SW0_BYTES, 192

    .bss
    .type ticks, @object
ticks:                               # { pit0 count, sw0 count }
    .space 8

    .text
    .global main
    .type main, @function
main:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    li 3, 0                          # software interrupt 0 at priority 5
    li 4, 5
    bl intc_priority
    li 3, 2999                       # PIT0 every 3000 cycles at priority 2
    li 4, 2
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
    li 3, PIT0_BYTES
    bl frame_then_pend
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# frame_then_pend(bytes r3): fill a local array, raise software interrupt 0 while it is live
# (taken right after the SSCIR0 write: MSR[EE] = 1 and priority 5 > CPR 2), release it.
    .global frame_then_pend
    .type frame_then_pend, @function
frame_then_pend:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    stw 31, 12(1)
    mr 31, 3
    bl fill_frame_keep
    li 3, 0
    bl sw_irq_set
    add 1, 1, 31
    lwz 31, 12(1)
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# fill_frame_keep(bytes r3): move r1 down by r3 bytes, fill them from the lowest word upwards
# and return with them allocated (a leaf that moves r1 for its caller, as alloca does).
    .type fill_frame_keep, @function
fill_frame_keep:
    subf 1, 3, 1
    mr 5, 1
    add 6, 1, 3
    li 7, 0
.Lffk_loop:
    stw 7, 0(5)
    addi 5, 5, 4
    cmplw 5, 6
    blt .Lffk_loop
    blr

    .global sw0_handler
    .type sw0_handler, @function
sw0_handler:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    li 3, 0
    bl sw_irq_clear
    lis 4, ticks@ha
    addi 4, 4, ticks@l
    lwz 3, 4(4)
    addi 3, 3, 1
    stw 3, 4(4)
    li 3, SW0_BYTES
    bl fill_frame
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# fill_frame(bytes r3): a leaf with a local array of r3 bytes made by moving r1 down (no back
# chain, like the ARM twin's `sub sp`), written from its lowest word upwards, then released.
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
    .word sw0_handler, default_handler, default_handler, default_handler
    .space 55 * 4, 0
    .word pit0_handler, default_handler, default_handler, default_handler, default_handler
msg_done:
    .asciz "nested_overflow: done\n"
