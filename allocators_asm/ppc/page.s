# 4 KiB page allocator (PowerPC Book E): LIFO free list threaded through free pages. See ../ABI.md.
    .equ PAGE_ATOMIC, 1
    .equ PAGE_ZERO, 2

    .bss
    .balign 4
    .type page_state, @object
page_state:                      # { void *free; uint32 nfree; void *base; uint32 npages; }
    .space 16

    .text
# page_init(base r3, npages r4): base is rounded up to a 4 KiB boundary.
    .global page_init
    .type page_init, @function
page_init:
    lis 10, page_state@ha
    addi 10, 10, page_state@l
    addi 3, 3, 0xfff
    rlwinm 3, 3, 0, 0, 19
    stw 3, 8(10)
    stw 4, 12(10)
    stw 4, 4(10)
    li 5, 0
    stw 5, 0(10)
    cmpwi 4, 0
    beqlr
    stw 3, 0(10)                 # free = base
.Lpgi_link:
    addi 4, 4, -1
    cmpwi 4, 0
    beq .Lpgi_last
    addi 5, 3, 0x1000            # page->next = page + 4096
    stw 5, 0(3)
    mr 3, 5
    b .Lpgi_link
.Lpgi_last:
    li 5, 0
    stw 5, 0(3)
    blr

# page_alloc(flags r3) -> r3 = page | 0.  e500 has no `wait`: without PAGE_ATOMIC an empty
# allocator restores MSR[EE] and spins re-reading the list head, so interrupts (which may free
# a page) are taken between iterations; then it retries under the mask.
    .global page_alloc
    .type page_alloc, @function
page_alloc:
    lis 10, page_state@ha
    addi 10, 10, page_state@l
.Lpga_retry:
    mfmsr 9
    wrteei 0
    lwz 4, 0(10)
    cmpwi 4, 0
    beq .Lpga_empty
    lwz 5, 0(4)
    stw 5, 0(10)                 # free = page->next
    lwz 5, 4(10)
    addi 5, 5, -1
    stw 5, 4(10)
    wrtee 9
    andi. 0, 3, PAGE_ZERO
    beq .Lpga_done
    li 5, 0                      # zero the page: 256 iterations of 4 word stores
    li 6, 0x100
    mtctr 6
    addi 7, 4, -4
.Lpga_zero:
    stwu 5, 4(7)
    stwu 5, 4(7)
    stwu 5, 4(7)
    stwu 5, 4(7)
    bdnz .Lpga_zero
.Lpga_done:
    mr 3, 4
    blr
.Lpga_empty:
    wrtee 9
    andi. 0, 3, PAGE_ATOMIC
    bne .Lpga_done               # r4 == 0
.Lpga_spin:
    lwz 5, 0(10)
    cmpwi 5, 0
    beq .Lpga_spin
    b .Lpga_retry

# page_free(page r3); NULL is ignored.
    .global page_free
    .type page_free, @function
page_free:
    cmpwi 3, 0
    beqlr
    lis 10, page_state@ha
    addi 10, 10, page_state@l
    mfmsr 9
    wrteei 0
    lwz 4, 0(10)
    stw 4, 0(3)
    stw 3, 0(10)
    lwz 4, 4(10)
    addi 4, 4, 1
    stw 4, 4(10)
    wrtee 9
    blr
