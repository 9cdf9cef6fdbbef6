# demo (e200-mcu): clean use of all three allocators from thread code, and of the interrupt-safe
# ones from PIT0 (INTC source 59, priority 2), which raises software interrupt 0 (priority 5)
# on odd ticks so that its handler nests inside PIT0's.
    .equ PIT_MCR, 0xC3FF0000
    .equ PIT_CH0, 0xC3FF0100
    .equ INTC_SSCIR0, 0xFFF48020
    .equ INTC_PSR0, 0xFFF48040
    .equ INTC_PSR59, 0xFFF4807B
    .equ LOOPS, 24
    .equ MIN_TICKS, 8

    .bss
    .balign 4096
    .type page_region, @object
page_region:
    .space 8 * 4096
    .type heap_region, @object
heap_region:
    .space 4096
    .type pool_buf, @object
pool_buf:
    .space 32 * 16
    .type pool, @object
pool:
    .space 16
    .type ticks, @object
ticks:                               # { pit0 count, sw0 count, nested count, in_pit0 }
    .space 16

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
    stw 28, 16(1)
    lis 3, page_region@ha
    addi 3, 3, page_region@l
    li 4, 8
    bl page_init
    lis 3, heap_region@ha
    addi 3, 3, heap_region@l
    li 4, 0x1000
    bl heap_init
    lis 3, pool@ha
    addi 3, 3, pool@l
    lis 4, pool_buf@ha
    addi 4, 4, pool_buf@l
    li 5, 32
    li 6, 16
    bl pool_init
    bl start_timers
    li 31, 0
.Lmain_loop:
    lis 3, pool@ha
    addi 3, 3, pool@l
    bl pool_alloc
    mr. 30, 3
    beq .Lmain_fail
    rlwinm 3, 31, 1, 30, 30          # PAGE_ZERO on odd iterations
    bl page_alloc
    mr. 29, 3
    beq .Lmain_fail
    slwi 3, 31, 3
    addi 3, 3, 24
    bl heap_malloc
    mr. 28, 3
    beq .Lmain_fail
    stw 31, 0(30)
    stw 31, 4092(29)
    stw 31, 0(28)
    mr 3, 28
    bl heap_free
    mr 3, 29
    bl page_free
    lis 3, pool@ha
    addi 3, 3, pool@l
    mr 4, 30
    bl pool_free
    addi 31, 31, 1
    cmplwi 31, LOOPS
    blt .Lmain_loop
    lis 4, ticks@ha
    addi 4, 4, ticks@l
.Lmain_wait:                         # e500 has no wait instruction: spin with EE=1
    lwz 3, 0(4)
    cmplwi 3, MIN_TICKS
    blt .Lmain_wait
    bl stop_timers
    bl report
    li 3, 0
    b .Lmain_out
.Lmain_fail:
    lis 3, msg_fail@ha
    addi 3, 3, msg_fail@l
    bl puts
    li 3, 1
.Lmain_out:
    lwz 28, 16(1)
    lwz 29, 20(1)
    lwz 30, 24(1)
    lwz 31, 28(1)
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

# PIT0 every 5000 cycles at priority 2, software interrupt 0 at priority 5; MSR[EE] = 1.
    .type start_timers, @function
start_timers:
    lis 4, INTC_PSR59@ha
    li 3, 2
    stb 3, INTC_PSR59@l(4)
    lis 4, INTC_PSR0@ha
    li 3, 5
    stb 3, INTC_PSR0@l(4)
    lis 4, PIT_MCR@ha
    li 3, 0
    stw 3, PIT_MCR@l(4)              # module enabled
    lis 4, PIT_CH0@ha
    addi 4, 4, PIT_CH0@l
    li 3, 4999
    stw 3, 0(4)                      # LDVAL
    li 3, 3
    stw 3, 8(4)                      # TCTRL = TIE | TEN
    wrteei 1
    blr

    .type stop_timers, @function
stop_timers:
    wrteei 0
    lis 4, PIT_CH0@ha
    addi 4, 4, PIT_CH0@l
    li 3, 0
    stw 3, 8(4)
    blr

    .type report, @function
report:
    stwu 1, -16(1)
    mflr 0
    stw 0, 20(1)
    stw 31, 12(1)
    lis 31, ticks@ha
    addi 31, 31, ticks@l
    lis 3, msg_ticks@ha
    addi 3, 3, msg_ticks@l
    bl puts
    lwz 3, 0(31)
    bl put_dec
    lis 3, msg_sw0@ha
    addi 3, 3, msg_sw0@l
    bl puts
    lwz 3, 4(31)
    bl put_dec
    lis 3, msg_nested@ha
    addi 3, 3, msg_nested@l
    bl puts
    lwz 3, 8(31)
    bl put_dec
    li 3, 10
    bl putc
    lwz 31, 12(1)
    lwz 0, 20(1)
    mtlr 0
    addi 1, 1, 16
    blr

# PIT0 (low priority): pool block and an ATOMIC page; odd ticks raise software interrupt 0.
    .global pit0_handler
    .type pit0_handler, @function
pit0_handler:
    stwu 1, -32(1)
    mflr 0
    stw 0, 36(1)
    stw 31, 28(1)
    stw 30, 24(1)
    stw 29, 20(1)
    lis 4, PIT_CH0@ha
    addi 4, 4, PIT_CH0@l
    li 3, 1
    stw 3, 12(4)                     # TFLG.TIF (write 1 to clear)
    lis 31, ticks@ha
    addi 31, 31, ticks@l
    li 3, 1
    stw 3, 12(31)                    # in_pit0 = 1
    lwz 3, 0(31)
    addi 3, 3, 1
    stw 3, 0(31)
    lis 3, pool@ha
    addi 3, 3, pool@l
    bl pool_alloc
    mr 30, 3
    li 3, 1                          # PAGE_ATOMIC
    bl page_alloc
    mr 29, 3
    lwz 3, 0(31)
    andi. 3, 3, 1
    beq .Lp0_free
    lis 4, INTC_SSCIR0@ha
    li 3, 2                          # SET
    stb 3, INTC_SSCIR0@l(4)
    msync
.Lp0_free:
    mr 3, 29
    bl page_free
    lis 3, pool@ha
    addi 3, 3, pool@l
    mr 4, 30
    bl pool_free
    li 3, 0
    stw 3, 12(31)
    lwz 29, 20(1)
    lwz 30, 24(1)
    lwz 31, 28(1)
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

# Software interrupt 0 (high priority): clear it, count nesting, pool block and ATOMIC page.
    .global sw0_handler
    .type sw0_handler, @function
sw0_handler:
    stwu 1, -32(1)
    mflr 0
    stw 0, 36(1)
    stw 31, 28(1)
    stw 30, 24(1)
    stw 29, 20(1)
    lis 4, INTC_SSCIR0@ha
    li 3, 1                          # CLR
    stb 3, INTC_SSCIR0@l(4)
    lis 31, ticks@ha
    addi 31, 31, ticks@l
    lwz 3, 4(31)
    addi 3, 3, 1
    stw 3, 4(31)
    lwz 3, 8(31)
    lwz 4, 12(31)
    add 3, 3, 4
    stw 3, 8(31)                     # nested += in_pit0
    lis 3, pool@ha
    addi 3, 3, pool@l
    bl pool_alloc
    mr 30, 3
    li 3, 1
    bl page_alloc
    bl page_free
    lis 3, pool@ha
    addi 3, 3, pool@l
    mr 4, 30
    bl pool_free
    lwz 29, 20(1)
    lwz 30, 24(1)
    lwz 31, 28(1)
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

    .section .rodata
    .balign 2048                     # INTC IACKR.VTBA: the table must be 2 KiB aligned (VTES = 0)
    .global intc_vectors
    .type intc_vectors, @object
intc_vectors:                        # software vector table: one handler per INTC source
    .word sw0_handler, default_handler, default_handler, default_handler
    .space 55 * 4, 0
    .word pit0_handler, default_handler, default_handler, default_handler, default_handler
msg_fail:
    .asciz "demo: allocation failed\n"
msg_ticks:
    .asciz "demo: ok pit0="
msg_sw0:
    .asciz " sw0="
msg_nested:
    .asciz " nested="
