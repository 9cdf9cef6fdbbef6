# Shared e200-mcu runtime: reset, Book E vectors, INTC software-vector dispatch on a dedicated
# interrupt stack (switched in software), UART console, simctl exit.
    .equ UART_TX, 0xFFE40038
    .equ SIMCTL, 0xFFFEC000
    .equ INTC_MCR, 0xFFF48000
    .equ INTC_CPR, 0xFFF48008
    .equ INTC_IACKR, 0xFFF48010
    .equ INTC_EOIR, 0xFFF48018
    .equ ISR_STACK_SIZE, 512
    .equ THREAD_STACK_SIZE, 2048
    .equ FRAME, 80                   # exception frame on the interrupt stack (16-byte multiple)

    .bss
    .balign 16
    .type isr_stack_guard, @object
isr_stack_guard:                     # scratch below the interrupt stack: overflows land here
    .space 4096
    .global __isr_stack_base
    .type __isr_stack_base, @object
__isr_stack_base:
    .space ISR_STACK_SIZE
    .global __isr_stack_top
    .type __isr_stack_top, @object
__isr_stack_top:
    .space 0
    .global __thread_stack_base
    .type __thread_stack_base, @object
__thread_stack_base:
    .space THREAD_STACK_SIZE
    .global __thread_stack_top
    .type __thread_stack_top, @object
__thread_stack_top:
    .space 0
    .type isr_nest, @object
isr_nest:                            # depth of active external interrupts
    .space 4

    .text
# Reset: execution starts here at 0 with MSR = 0.  IVPR = 0 (SPR 63), IVOR4 (SPR 404) =
# external input, IVOR1-3/5-7/13/14 = fault (EREF 2.0 ch. 4.5/4.6).
    .global _start
    .type _start, @function
_start:
    lis 1, __thread_stack_top@ha
    addi 1, 1, __thread_stack_top@l
    addi 1, 1, -16
    li 0, 0
    stw 0, 0(1)                      # EABI back chain terminator
    li 3, 0
    mtspr 63, 3
    lis 3, ext_handler@ha
    addi 3, 3, ext_handler@l
    mtspr 404, 3
    lis 3, fault_handler@ha
    addi 3, 3, fault_handler@l
    mtspr 401, 3
    mtspr 402, 3
    mtspr 403, 3
    mtspr 405, 3
    mtspr 406, 3
    mtspr 407, 3
    mtspr 413, 3
    mtspr 414, 3
    isync
    lis 4, INTC_MCR@ha
    addi 4, 4, INTC_MCR@l
    li 3, 0
    stw 3, 0(4)                      # software vector mode
    stw 3, 8(4)                      # CPR = 0
    lis 3, intc_vectors@ha
    addi 3, 3, intc_vectors@l
    stw 3, 0x10(4)                   # IACKR.VTBA
    bl main
    b exit

# exit(code r3): a 32-bit write to the simulator control register ends the run.
    .global exit
    .type exit, @function
exit:
    lis 4, SIMCTL@ha
    addi 4, 4, SIMCTL@l
    stw 3, 0(4)
.Lexit_hang:
    b .Lexit_hang

# putc(char r3)
    .global putc
    .type putc, @function
putc:
    lis 4, UART_TX@ha
    addi 4, 4, UART_TX@l
    stb 3, 0(4)
    blr

# puts(string r3)
    .global puts
    .type puts, @function
puts:
    lis 4, UART_TX@ha
    addi 4, 4, UART_TX@l
.Lputs_loop:
    lbz 5, 0(3)
    cmpwi 5, 0
    beqlr
    stb 5, 0(4)
    addi 3, 3, 1
    b .Lputs_loop

# put_dec(value r3): unsigned decimal.
    .global put_dec
    .type put_dec, @function
put_dec:
    stwu 1, -32(1)
    mflr 0
    stw 0, 36(1)
    addi 6, 1, 24
    li 5, 0
    stb 5, 0(6)
    li 7, 10
.Lpd_digit:
    divwu 8, 3, 7
    mullw 9, 8, 7
    subf 9, 9, 3
    addi 9, 9, 48
    addi 6, 6, -1
    stb 9, 0(6)
    mr. 3, 8
    bne .Lpd_digit
    mr 3, 6
    bl puts
    lwz 0, 36(1)
    mtlr 0
    addi 1, 1, 32
    blr

# External input (IVOR4): switch to the interrupt stack unless already on it (nesting), save
# the volatile state, acknowledge through IACKR (MPC5xxx INTC software vector mode: the read
# returns VTBA + 4 * vector and raises CPR), call the handler with MSR[EE] = 1 so a higher
# priority source can nest, then EOIR (pops the priority LIFO) and rfi.
    .balign 16
    .global ext_handler
    .type ext_handler, @function
ext_handler:
    mtspr 272, 1                     # SPRG0 = interrupted r1
    mtspr 273, 3                     # SPRG1 = interrupted r3
    lis 3, isr_nest@ha
    lwz 3, isr_nest@l(3)
    cmpwi 3, 0
    bne .Leh_on_isr_stack
    lis 1, __isr_stack_top@ha
    addi 1, 1, __isr_stack_top@l
.Leh_on_isr_stack:
    addi 1, 1, -FRAME
    mfspr 3, 272
    stw 3, 0(1)                      # back chain = interrupted r1
    mfspr 3, 273
    stw 3, 8(1)
    stw 0, 12(1)
    stw 4, 16(1)
    stw 5, 20(1)
    stw 6, 24(1)
    stw 7, 28(1)
    stw 8, 32(1)
    stw 9, 36(1)
    stw 10, 40(1)
    stw 11, 44(1)
    stw 12, 48(1)
    mflr 3
    stw 3, 52(1)
    mfctr 3
    stw 3, 56(1)
    mfxer 3
    stw 3, 60(1)
    mfcr 3
    stw 3, 64(1)
    mfspr 3, 26                      # SRR0
    stw 3, 68(1)
    mfspr 3, 27                      # SRR1
    stw 3, 72(1)
    lis 4, isr_nest@ha
    addi 4, 4, isr_nest@l
    lwz 3, 0(4)
    addi 3, 3, 1
    stw 3, 0(4)
    lis 4, INTC_IACKR@ha
    lwz 3, INTC_IACKR@l(4)
    lwz 3, 0(3)                      # handler address from the vector table
    mtctr 3
    wrteei 1
    bctrl
    wrteei 0
    mbar
    lis 4, INTC_EOIR@ha
    li 3, 0
    stw 3, INTC_EOIR@l(4)
    lis 4, isr_nest@ha
    addi 4, 4, isr_nest@l
    lwz 3, 0(4)
    addi 3, 3, -1
    stw 3, 0(4)
    lwz 3, 72(1)
    mtspr 27, 3
    lwz 3, 68(1)
    mtspr 26, 3
    lwz 3, 64(1)
    mtcr 3
    lwz 3, 60(1)
    mtxer 3
    lwz 3, 56(1)
    mtctr 3
    lwz 3, 52(1)
    mtlr 3
    lwz 0, 12(1)
    lwz 4, 16(1)
    lwz 5, 20(1)
    lwz 6, 24(1)
    lwz 7, 28(1)
    lwz 8, 32(1)
    lwz 9, 36(1)
    lwz 10, 40(1)
    lwz 11, 44(1)
    lwz 12, 48(1)
    lwz 3, 8(1)
    lwz 1, 0(1)
    rfi

# Any other interrupt: report and exit with code 3.
    .balign 16
    .global fault_handler
    .type fault_handler, @function
fault_handler:
    lis 3, msg_fault@ha
    addi 3, 3, msg_fault@l
    bl puts
    li 3, 3
    b exit

    .global default_handler
    .type default_handler, @function
default_handler:
    lis 3, msg_unexpected@ha
    addi 3, 3, msg_unexpected@l
    bl puts
    li 3, 4
    b exit

    .section .rodata
msg_fault:
    .asciz "FAULT\n"
msg_unexpected:
    .asciz "unexpected interrupt\n"
