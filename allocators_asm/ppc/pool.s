# Fixed-size block pool (PowerPC Book E, EABI): O(1) alloc/free on a free list. See ../ABI.md.
# struct pool { void *free; uint32 block_size; uint32 count; uint32 nfree; }   (16 bytes)
    .text

# pool_init(pool r3, buf r4, block_size r5, count r6) -> r3 = pool
    .global pool_init
    .type pool_init, @function
pool_init:
    addi 5, 5, 3                 # round block_size up to a multiple of 4, minimum 4
    rlwinm 5, 5, 0, 0, 29
    cmplwi 5, 4
    bge .Lpi_size
    li 5, 4
.Lpi_size:
    stw 5, 4(3)
    stw 6, 8(3)
    stw 6, 12(3)
    cmpwi 6, 0
    beq .Lpi_empty
    stw 4, 0(3)                  # free = buf
    mr 7, 6
.Lpi_link:
    addi 7, 7, -1
    cmpwi 7, 0
    beq .Lpi_last
    add 8, 4, 5                  # block->next = block + block_size
    stw 8, 0(4)
    mr 4, 8
    b .Lpi_link
.Lpi_last:
    li 8, 0
    stw 8, 0(4)
    blr
.Lpi_empty:
    stw 6, 0(3)
    blr

# pool_alloc(pool r3) -> r3 = block | 0.  MSR saved in r9, EE cleared with wrteei 0 and
# restored with wrtee r9 (EREF 2.0: wrtee copies only MSR[EE]), so the caller's state is kept.
    .global pool_alloc
    .type pool_alloc, @function
pool_alloc:
    mfmsr 9
    wrteei 0
    lwz 4, 0(3)
    cmpwi 4, 0
    beq .Lpa_out
    lwz 5, 0(4)
    stw 5, 0(3)
    lwz 5, 12(3)
    addi 5, 5, -1
    stw 5, 12(3)
.Lpa_out:
    wrtee 9
    mr 3, 4
    blr

# pool_free(pool r3, block r4); NULL is ignored.
    .global pool_free
    .type pool_free, @function
pool_free:
    cmpwi 4, 0
    beqlr
    mfmsr 9
    wrteei 0
    lwz 5, 0(3)
    stw 5, 0(4)
    stw 4, 0(3)
    lwz 5, 12(3)
    addi 5, 5, 1
    stw 5, 12(3)
    wrtee 9
    blr

# pool_alloc_nomask: pool_alloc without the critical section (deliberately unsafe).
    .global pool_alloc_nomask
    .type pool_alloc_nomask, @function
pool_alloc_nomask:
    lwz 4, 0(3)
    cmpwi 4, 0
    beq .Lpan_out
    lwz 5, 0(4)
    stw 5, 0(3)
    lwz 5, 12(3)
    addi 5, 5, -1
    stw 5, 12(3)
.Lpan_out:
    mr 3, 4
    blr

# pool_free_nomask: pool_free without the critical section (deliberately unsafe).
    .global pool_free_nomask
    .type pool_free_nomask, @function
pool_free_nomask:
    cmpwi 4, 0
    beqlr
    lwz 5, 0(3)
    stw 5, 0(4)
    stw 4, 0(3)
    lwz 5, 12(3)
    addi 5, 5, 1
    stw 5, 12(3)
    blr
