@ General-purpose heap (Thumb-2): first fit over an implicit block list, coalescing on free.
@ Block header (8 bytes): word0 = size | used (size includes the header, multiple of 8),
@ word1 = 0.  The list ends with a terminator header of size 0, used.  See ../ABI.md.
    .syntax unified
    .thumb
    .equ HEAP_MIN_BLOCK, 16

    .bss
    .balign 4
    .type heap_state, %object
heap_state:                      @ { void *start; void *end; }
    .space 8

    .text
@ heap_init(base r0, size r1): base rounded up to 8, end rounded down to 8.
    .global heap_init
    .type heap_init, %function
heap_init:
    add r1, r1, r0               @ r1 = end of region
    adds r0, r0, #7
    bic r0, r0, #7               @ start
    bic r1, r1, #7
    subs r1, r1, #8              @ terminator header address
    ldr r2, =heap_state
    str r0, [r2]
    str r1, [r2, #4]
    movs r3, #1
    str r3, [r1]                 @ terminator: size 0, used
    movs r3, #0
    str r3, [r1, #4]
    subs r2, r1, r0              @ first block: the whole region, free
    cmp r2, #HEAP_MIN_BLOCK
    bge .Lhi_block
    mov r0, r1                   @ too small: start at the terminator
    ldr r2, =heap_state
    str r0, [r2]
    bx lr
.Lhi_block:
    str r2, [r0]
    str r3, [r0, #4]
    bx lr

@ heap_malloc(size r0) -> r0 = 8-aligned pointer | 0.  Unbounded time, no masking.
    .global heap_malloc
    .type heap_malloc, %function
heap_malloc:
    cbz r0, .Lhm_fail
    adds r3, r0, #15
    bic r3, r3, #7               @ need = align8(size) + header
    cmp r3, r0
    bls .Lhm_fail                @ wrapped around
    ldr r1, =heap_state
    ldr r1, [r1]
.Lhm_walk:
    ldr r2, [r1]
    bics r12, r2, #7             @ block size
    beq .Lhm_fail                @ terminator
    tst r2, #1
    bne .Lhm_next
    cmp r12, r3
    bhs .Lhm_fit
.Lhm_next:
    add r1, r1, r12
    b .Lhm_walk
.Lhm_fit:
    sub r2, r12, r3
    cmp r2, #HEAP_MIN_BLOCK
    blo .Lhm_whole
    str r2, [r1, r3]             @ split: free remainder after the new block
    orr r2, r3, #1
    str r2, [r1]
    b .Lhm_done
.Lhm_whole:
    orr r2, r12, #1
    str r2, [r1]
.Lhm_done:
    add r0, r1, #8
    bx lr
.Lhm_fail:
    movs r0, #0
    bx lr

@ heap_free(ptr r0): mark free, then merge every run of adjacent free blocks.  NULL is ignored.
    .global heap_free
    .type heap_free, %function
heap_free:
    cbz r0, .Lhf_out
    ldr r1, [r0, #-8]
    bic r1, r1, #1
    str r1, [r0, #-8]
    ldr r1, =heap_state
    ldr r1, [r1]
.Lhf_walk:
    ldr r2, [r1]
    bics r12, r2, #7
    beq .Lhf_out
    tst r2, #1
    bne .Lhf_next
    ldr r3, [r1, r12]            @ header of the following block
    tst r3, #1
    bne .Lhf_next
    add r12, r12, r3             @ merge (both free, so no flag bits to clear)
    str r12, [r1]
    b .Lhf_walk
.Lhf_next:
    add r1, r1, r12
    b .Lhf_walk
.Lhf_out:
    bx lr
