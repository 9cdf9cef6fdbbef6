@ Fixed-size block pool (Thumb-2): O(1) alloc/free on a singly linked free list. See ../ABI.md.
@ struct pool { void *free; uint32 block_size; uint32 count; uint32 nfree; }   (16 bytes)
    .syntax unified
    .thumb
    .text

@ pool_init(pool r0, buf r1, block_size r2, count r3) -> r0 = pool
    .global pool_init
    .type pool_init, %function
pool_init:
    adds r2, r2, #3              @ round block_size up to a multiple of 4, minimum 4
    bic r2, r2, #3
    cmp r2, #4
    it lo
    movlo r2, #4
    str r2, [r0, #4]
    str r3, [r0, #8]
    str r3, [r0, #12]
    cbz r3, .Lpi_empty
    str r1, [r0]                 @ free = buf
.Lpi_link:
    subs r3, r3, #1
    beq .Lpi_last
    add r12, r1, r2              @ block->next = block + block_size
    str r12, [r1]
    mov r1, r12
    b .Lpi_link
.Lpi_last:
    movs r2, #0
    str r2, [r1]
    bx lr
.Lpi_empty:
    str r3, [r0]                 @ free = NULL
    bx lr

@ pool_alloc(pool r0) -> r0 = block | 0.  PRIMASK saved in r3 and restored exactly
@ (ARMv7-M ARM B5.2.2 MRS/MSR; B1.4.3 PRIMASK).
    .global pool_alloc
    .type pool_alloc, %function
pool_alloc:
    mrs r3, primask
    cpsid i
    ldr r1, [r0]                 @ head
    cbz r1, .Lpa_out
    ldr r2, [r1]                 @ head->next
    str r2, [r0]
    ldr r2, [r0, #12]
    subs r2, r2, #1
    str r2, [r0, #12]
.Lpa_out:
    msr primask, r3
    mov r0, r1
    bx lr

@ pool_free(pool r0, block r1); NULL is ignored.
    .global pool_free
    .type pool_free, %function
pool_free:
    cbz r1, .Lpf_out
    mrs r3, primask
    cpsid i
    ldr r2, [r0]
    str r2, [r1]                 @ block->next = head
    str r1, [r0]                 @ head = block
    ldr r2, [r0, #12]
    adds r2, r2, #1
    str r2, [r0, #12]
    msr primask, r3
.Lpf_out:
    bx lr

@ pool_alloc_nomask: pool_alloc without the critical section (deliberately unsafe).
    .global pool_alloc_nomask
    .type pool_alloc_nomask, %function
pool_alloc_nomask:
    ldr r1, [r0]
    cbz r1, .Lpan_out
    ldr r2, [r1]
    str r2, [r0]
    ldr r2, [r0, #12]
    subs r2, r2, #1
    str r2, [r0, #12]
.Lpan_out:
    mov r0, r1
    bx lr

@ pool_free_nomask: pool_free without the critical section (deliberately unsafe).
    .global pool_free_nomask
    .type pool_free_nomask, %function
pool_free_nomask:
    cbz r1, .Lpfn_out
    ldr r2, [r0]
    str r2, [r1]
    str r1, [r0]
    ldr r2, [r0, #12]
    adds r2, r2, #1
    str r2, [r0, #12]
.Lpfn_out:
    bx lr
