# General-purpose heap (PowerPC): first fit over an implicit block list, coalescing on free.
# Block header (8 bytes): word0 = size | used (size includes the header, multiple of 8),
# word1 = 0; a terminator header {1, 0} ends the list.  See ../ABI.md.
    .equ HEAP_MIN_BLOCK, 16

    .bss
    .balign 4
    .type heap_state, @object
heap_state:                      # { void *start; void *end; }
    .space 8

    .text
# heap_init(base r3, size r4): base rounded up to 8, end rounded down to 8.
    .global heap_init
    .type heap_init, @function
heap_init:
    add 4, 4, 3
    addi 3, 3, 7
    rlwinm 3, 3, 0, 0, 28        # start
    rlwinm 4, 4, 0, 0, 28
    addi 4, 4, -8                # terminator header address
    lis 10, heap_state@ha
    addi 10, 10, heap_state@l
    li 5, 1
    stw 5, 0(4)
    li 5, 0
    stw 5, 4(4)
    subf 6, 3, 4                 # first block: the whole region, free
    cmpwi 6, HEAP_MIN_BLOCK
    bge .Lhi_block
    mr 3, 4                      # too small: start at the terminator
    b .Lhi_store
.Lhi_block:
    stw 6, 0(3)
    stw 5, 4(3)
.Lhi_store:
    stw 3, 0(10)
    stw 4, 4(10)
    blr

# heap_malloc(size r3) -> r3 = 8-aligned pointer | 0.  Unbounded time, no masking.
    .global heap_malloc
    .type heap_malloc, @function
heap_malloc:
    cmpwi 3, 0
    beq .Lhm_fail
    addi 6, 3, 15
    rlwinm 6, 6, 0, 0, 28        # need = align8(size) + header
    cmplw 6, 3
    ble .Lhm_fail                # wrapped around
    lis 10, heap_state@ha
    addi 10, 10, heap_state@l
    lwz 4, 0(10)
.Lhm_walk:
    lwz 5, 0(4)
    rlwinm. 7, 5, 0, 0, 28       # block size
    beq .Lhm_fail                # terminator
    andi. 0, 5, 1
    bne .Lhm_next
    cmplw 7, 6
    bge .Lhm_fit
.Lhm_next:
    add 4, 4, 7
    b .Lhm_walk
.Lhm_fit:
    subf 8, 6, 7
    cmplwi 8, HEAP_MIN_BLOCK
    blt .Lhm_whole
    stwx 8, 4, 6                 # split: free remainder after the new block
    ori 8, 6, 1
    stw 8, 0(4)
    b .Lhm_done
.Lhm_whole:
    ori 8, 7, 1
    stw 8, 0(4)
.Lhm_done:
    addi 3, 4, 8
    blr
.Lhm_fail:
    li 3, 0
    blr

# heap_free(ptr r3): mark free, then merge every run of adjacent free blocks.  NULL is ignored.
    .global heap_free
    .type heap_free, @function
heap_free:
    cmpwi 3, 0
    beqlr
    lwz 4, -8(3)
    rlwinm 4, 4, 0, 0, 30
    stw 4, -8(3)
    lis 10, heap_state@ha
    addi 10, 10, heap_state@l
    lwz 4, 0(10)
.Lhf_walk:
    lwz 5, 0(4)
    rlwinm. 7, 5, 0, 0, 28
    beqlr
    andi. 0, 5, 1
    bne .Lhf_next
    lwzx 6, 4, 7                 # header of the following block
    andi. 0, 6, 1
    bne .Lhf_next
    add 7, 7, 6                  # merge (both free: no flag bits to clear)
    stw 7, 0(4)
    b .Lhf_walk
.Lhf_next:
    add 4, 4, 7
    b .Lhf_walk
