@ 4 KiB page allocator (Thumb-2): LIFO free list threaded through the free pages. See ../ABI.md.
    .syntax unified
    .thumb
    .equ PAGE_ATOMIC, 1
    .equ PAGE_ZERO, 2
    .equ PAGE_SIZE, 4096

    .bss
    .balign 4
    .type page_state, %object
page_state:                      @ { void *free; uint32 nfree; void *base; uint32 npages; }
    .space 16

    .text
@ page_init(base r0, npages r1): base is rounded up to a 4 KiB boundary.
    .global page_init
    .type page_init, %function
page_init:
    ldr r2, =page_state
    addw r0, r0, #4095
    bfc r0, #0, #12
    str r0, [r2, #8]
    str r1, [r2, #12]
    str r1, [r2, #4]
    movs r3, #0
    str r3, [r2]
    cbz r1, .Lpgi_out
    str r0, [r2]                 @ free = base
.Lpgi_link:
    subs r1, r1, #1
    beq .Lpgi_last
    add r3, r0, #PAGE_SIZE
    str r3, [r0]                 @ page->next = page + 4096
    mov r0, r3
    b .Lpgi_link
.Lpgi_last:
    movs r3, #0
    str r3, [r0]
.Lpgi_out:
    bx lr

@ page_alloc(flags r0) -> r0 = page | 0.  Without PAGE_ATOMIC an empty allocator waits with
@ WFI (ARMv7-M ARM B1.5.19) with the caller's PRIMASK restored, then retries.
    .global page_alloc
    .type page_alloc, %function
page_alloc:
    ldr r2, =page_state
.Lpga_retry:
    mrs r3, primask
    cpsid i
    ldr r1, [r2]
    cbz r1, .Lpga_empty
    ldr r12, [r1]
    str r12, [r2]                @ free = page->next
    ldr r12, [r2, #4]
    sub r12, r12, #1
    str r12, [r2, #4]
    msr primask, r3
    tst r0, #PAGE_ZERO
    beq .Lpga_done
    movs r2, #0                  @ zero the page, 16 bytes per iteration
    movs r3, #0
    mov r0, r1
    add r12, r1, #PAGE_SIZE
.Lpga_zero:
    strd r2, r3, [r0], #8
    strd r2, r3, [r0], #8
    cmp r0, r12
    bne .Lpga_zero
.Lpga_done:
    mov r0, r1
    bx lr
.Lpga_empty:
    msr primask, r3
    tst r0, #PAGE_ATOMIC
    bne .Lpga_done               @ r1 == 0
    wfi
    b .Lpga_retry

@ page_free(page r0); NULL is ignored.
    .global page_free
    .type page_free, %function
page_free:
    cbz r0, .Lpgf_out
    ldr r2, =page_state
    mrs r3, primask
    cpsid i
    ldr r1, [r2]
    str r1, [r0]
    str r0, [r2]
    ldr r1, [r2, #4]
    adds r1, r1, #1
    str r1, [r2, #4]
    msr primask, r3
.Lpgf_out:
    bx lr
