/*
 * blockclock.c - the block clock's hot path in C: a Unicorn UC_HOOK_BLOCK callback that charges
 * each executed block its cycle-model cost and stops the engine at the next timer deadline.
 *
 * It is the C twin of emulator/engine/clock.py:PyClock.on_block and must stay step-for-step identical
 * to it (tests/test_clock.py runs every firmware image through both and compares the reports).
 * Block costs are computed in Python (emulator/engine/cyclemodel.py) the first time a block runs and
 * cached here in an open-addressing table keyed by (address, size), with a direct-mapped copy of
 * the recently run ones in front of it.
 *
 * Two probe hooks share the state (emulator/probes/native.py owns their Python side):
 *  - bc_hook_probe, a UC_HOOK_CODE callback on the first and return instructions of watched
 *    functions, records the instruction, its block and the registers the core's probe methods
 *    read; Python turns the records into events the next time it runs (any Python callback, or
 *    the end of the slice), so Python state (the active handlers) is still what it was;
 *  - bc_hook_entry_check, a second UC_HOOK_CODE callback on the entries of watched functions,
 *    drains the records at once when the call's return address (LR) is not watched yet, so
 *    that Python hooks it before the call can get there (a call ends at its return address);
 *  - bc_hook_stack_write, a UC_HOOK_MEM_WRITE callback on a watched stack and its guard region,
 *    keeps the stack's deepest interrupt-time write and calls Python only for writes below the
 *    stack's base or far below SP (overflow candidates, large frames); bc_hook_stack_prot does
 *    the same from a UC_HOOK_MEM_WRITE_PROT callback on the window's write-protected pages.
 *
 * dbg_hook_code, a UC_HOOK_CODE callback on every instruction while a debugger or a late trace
 * is attached (emulator/debug/stops.py owns its Python side), calls Python only before an
 * instruction where a stop may be due: one was asked for (a step, Ctrl-C, a trace), the address
 * is a breakpoint, the clock reached a cycle, or probe records wait (their events may be a
 * finding).  It changes no translated block, so the run is the one it would be without it.
 *
 * No Unicorn header or library is needed at build time: the engine handle and uc_emu_stop,
 * uc_reg_read and uc_reg_read_batch are passed in by address from Python, which registers the
 * hooks with uc_hook_add.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STOP_NONE = 0, STOP_DEADLINE = 1, STOP_SPIN = 2, STOP_ERROR = 3, STOP_TIMEOUT = 4, STOP_TRAP = 5 };
enum { WALL_POLL = 1024 };               /* blocks between two looks at the wall clock */
/* FLAG_FP: the block holds an FP instruction; FLAG_SYSREG: an MRS/MSR of CONTROL */
enum { FLAG_SPIN = 1, FLAG_FP = 2, FLAG_SYSREG = 4, TRAP_FLAGS = FLAG_FP | FLAG_SYSREG };
enum { PROBE_REGS_MAX = 12, SP_REACH = 128 };   /* clock.py, probes.py */

/* Mirrored by emulator/probes/native.py:_Record. */
struct bc_record {
    uint32_t pc, block_addr, block_size, pad;
    uint64_t block_start, now;
    uint64_t regs[PROBE_REGS_MAX];
};

struct bc_entry {
    uint32_t addr, size, total, count, penalty, fallthrough, flags, used;
};

/* Mirrored field for field by emulator/engine/clock.py:_State (ctypes). */
struct bc_state {
    uint64_t now, instructions, deadline, block_start;
    uint64_t wall_deadline_ns;                     /* CLOCK_MONOTONIC, as Python's monotonic_ns */
    uint32_t until, penalty, fallthrough, attention;
    uint32_t muted, stopped, block_addr, block_size;
    void *uc;
    int (*emu_stop)(void *uc);
    int (*miss)(uint32_t addr, uint32_t size);     /* Python: decode and bc_insert, 0 = ok */
    int (*deliverable)(void);                      /* Python: can an interrupt be taken now? */
    struct bc_entry *table;
    uint32_t mask, used;
    uint32_t polls, pad;
    /* call probes */
    int (*reg_read_batch)(void *uc, int *ids, void **vals, int count);
    int (*drain)(void);                            /* Python: empty the record buffer, 0 = ok */
    struct bc_record *records;
    uint32_t rec_count, rec_cap, nregs, pad2;
    int reg_ids[PROBE_REGS_MAX];
    /* stack watch */
    int (*reg_read)(void *uc, int id, void *value);
    int (*stack_slow)(uint32_t addr, uint32_t size, uint32_t value);  /* Python, 0 = ok */
    uint32_t stack_base, lowest, in_interrupt, sp_id;
    /* traps (TRAP_FLAGS): a block whose flags meet them stops before it runs, as STOP_TRAP, for
     * the core to run it in Python (emulator/arch/arm/fpu.py: CPACR denies CP10/CP11, a lazy FP
     * state preservation is pending, CONTROL's FP bits around MRS/MSR) */
    uint32_t traps, pad3;
    /* return addresses the call probes watch (nativeprobes.py): open addressing, 0 = free */
    uint32_t *rets;
    uint32_t ret_mask, lr_id;
    /* the stack watch by write protection (bc_hook_stack_prot): the pages [prot_lo, prot_hi)
     * are mapped without write permission from host memory at `host`; their stores are made
     * here, straight into that memory (uc_mem_write would rebuild the engine's memory map
     * twice a store to lift and restore the protection) */
    uint8_t *host;
    uint32_t prot_lo, prot_hi, watch_lo, watch_hi, big_endian, pad4;
    /* a direct-mapped copy of recently run entries in front of the table (see cached()) */
    struct bc_entry *cache;
};

static uint32_t slot_of(uint32_t addr, uint32_t size, uint32_t mask)
{
    return ((addr >> 1) * 2654435761u ^ size * 40503u) & mask;
}

static struct bc_entry *lookup(const struct bc_state *s, uint32_t addr, uint32_t size)
{
    if (!s->table)
        return NULL;
    for (uint32_t i = slot_of(addr, size, s->mask);; i = (i + 1) & s->mask) {
        struct bc_entry *e = &s->table[i];
        if (!e->used)
            return NULL;
        if (e->addr == addr && e->size == size)
            return e;
    }
}

static int place(struct bc_entry *table, uint32_t mask, const struct bc_entry *src)
{
    uint32_t i = slot_of(src->addr, src->size, mask);
    while (table[i].used && !(table[i].addr == src->addr && table[i].size == src->size))
        i = (i + 1) & mask;
    int fresh = !table[i].used;
    table[i] = *src;
    table[i].used = 1;
    return fresh;
}

static int grow(struct bc_state *s)
{
    uint32_t cap = s->table ? (s->mask + 1) * 2 : 1024;
    struct bc_entry *table = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (uint32_t i = 0; s->table && i <= s->mask; i++)
        if (s->table[i].used)
            place(table, cap - 1, &s->table[i]);
    free(s->table);
    s->table = table;
    s->mask = cap - 1;
    return 0;
}

/* The block cost cache: CACHE_SLOTS copies of entries, slot = bits 1.. of the address.  A
 * block that ran recently is found with one load and compare, without hashing and probing
 * (perf: lookup was a third of the block hook's cost on a compute run). */
enum { CACHE_SLOTS = 4096 };

static inline struct bc_entry *cache_slot(const struct bc_state *s, uint32_t addr)
{
    return &s->cache[(addr >> 1) & (CACHE_SLOTS - 1)];
}

static inline struct bc_entry *cached(struct bc_state *s, uint32_t addr, uint32_t size)
{
    struct bc_entry *c = cache_slot(s, addr);
    if (c->used && c->addr == addr && c->size == size)
        return c;
    struct bc_entry *e = lookup(s, addr, size);
    if (e)
        *c = *e;
    return e;
}

/* Insert or replace the cost of block (addr, size); 0 on success, -1 out of memory. */
int bc_insert(struct bc_state *s, uint32_t addr, uint32_t size, uint32_t total, uint32_t count,
              uint32_t penalty, uint32_t fallthrough, uint32_t flags)
{
    if (!s->cache && !(s->cache = calloc(CACHE_SLOTS, sizeof *s->cache)))
        return -1;
    if ((!s->table || (s->used + 1) * 2 > s->mask + 1) && grow(s) != 0)
        return -1;
    struct bc_entry e = {addr, size, total, count, penalty, fallthrough, flags, 1};
    s->used += (uint32_t)place(s->table, s->mask, &e);
    struct bc_entry *c = cache_slot(s, addr);
    if (c->addr == addr && c->size == size)
        *c = e;                                 /* a replaced cost: the copy follows it */
    return 0;
}

/* Free the cost table (the clock is being dropped). */
void bc_clear(struct bc_state *s)
{
    free(s->table);
    free(s->cache);
    s->table = s->cache = NULL;
    s->mask = s->used = 0;
}

static void stop(struct bc_state *s, uint32_t why)
{
    s->stopped = why;
    s->emu_stop(s->uc);
}

static int wall_clock_expired(const struct bc_state *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec >= s->wall_deadline_ns;
}

/* UC_HOOK_BLOCK callback: see PyClock.on_block for the same steps in Python. */
void bc_hook_block(void *uc, uint64_t address, uint32_t size, struct bc_state *s)
{
    (void)uc;
    if (s->muted)
        return;
    if (++s->polls >= WALL_POLL) {          /* the engine's own timeout costs a thread per start */
        s->polls = 0;
        if (wall_clock_expired(s)) {
            stop(s, STOP_TIMEOUT);
            return;
        }
    }
    uint32_t addr = (uint32_t)address;
    if (s->penalty) {                       /* a taken conditional branch ended the last block */
        if (addr != s->fallthrough)
            s->now += s->penalty;
        s->penalty = 0;
    }
    if (s->now >= s->deadline || (s->attention && s->deliverable())) {
        stop(s, STOP_DEADLINE);
        return;
    }
    if (addr == s->until)
        return;
    struct bc_entry *e = s->cache ? cached(s, addr, size) : NULL;
    if (!e && (s->miss(addr, size) != 0 || !(e = cached(s, addr, size)))) {
        stop(s, STOP_ERROR);
        return;
    }
    if (e->flags & FLAG_SPIN) {             /* 'b .': idle until an interrupt */
        stop(s, STOP_SPIN);
        return;
    }
    if (e->flags & s->traps & TRAP_FLAGS) {
        stop(s, STOP_TRAP);
        return;
    }
    s->block_addr = addr;
    s->block_size = size;
    s->block_start = s->now;
    s->now += e->total;
    s->instructions += e->count;
    if (e->penalty) {
        s->penalty = e->penalty;
        s->fallthrough = e->fallthrough;
    }
}

/* UC_HOOK_CODE callback at a watched instruction: record it (see the file comment). */
void bc_hook_probe(void *uc, uint64_t address, uint32_t size, struct bc_state *s)
{
    (void)size;
    if (s->rec_count >= s->rec_cap && (s->drain() != 0 || s->rec_count >= s->rec_cap)) {
        stop(s, STOP_ERROR);
        return;
    }
    struct bc_record *r = &s->records[s->rec_count++];
    void *vals[PROBE_REGS_MAX];
    r->pc = (uint32_t)address;
    r->block_addr = s->block_addr;
    r->block_size = s->block_size;
    r->block_start = s->block_start;
    r->now = s->now;
    for (uint32_t i = 0; i < s->nregs; i++) {
        r->regs[i] = 0;
        vals[i] = &r->regs[i];
    }
    s->reg_read_batch(uc, s->reg_ids, vals, (int)s->nregs);
}

static uint32_t ret_slot(uint32_t addr, uint32_t mask)
{
    return ((addr >> 1) * 2654435761u) & mask;
}

static int ret_known(const struct bc_state *s, uint32_t addr)
{
    if (!s->rets)
        return 0;
    for (uint32_t i = ret_slot(addr, s->ret_mask);; i = (i + 1) & s->ret_mask) {
        if (s->rets[i] == addr)
            return 1;
        if (!s->rets[i])
            return 0;
    }
}

/* Note a watched return address; 0 on success, -1 when the table is half full (entries
 * with other return addresses are then always drained at once: slower, still exact). */
int bc_ret_add(struct bc_state *s, uint32_t addr)
{
    if (!s->rets || !addr)
        return -1;
    uint32_t used = 0;
    for (uint32_t i = 0; i <= s->ret_mask; i++)
        used += s->rets[i] != 0;
    if ((used + 1) * 2 > s->ret_mask + 1)
        return -1;
    uint32_t i = ret_slot(addr, s->ret_mask);
    while (s->rets[i] && s->rets[i] != addr)
        i = (i + 1) & s->ret_mask;
    s->rets[i] = addr;
    return 0;
}

/* UC_HOOK_CODE callback at a watched function's entry, registered after its bc_hook_probe. */
void bc_hook_entry_check(void *uc, uint64_t address, uint32_t size, struct bc_state *s)
{
    (void)address;
    (void)size;
    uint64_t lr = 0;
    s->reg_read(uc, s->lr_id, &lr);
    if (!ret_known(s, (uint32_t)lr & ~1u) && s->drain() != 0)
        stop(s, STOP_ERROR);
}

/* UC_HOOK_MEM_WRITE callback on a watched stack window: StackProbe._on_write's common case.
 * A write at or above the base, within SP_REACH below SP, while an interrupt is active, only
 * lowers the high-water mark; one at or above the base outside interrupts is not this stack's
 * use.  Everything else (the guard region, stores far below SP) goes to Python. */
void bc_hook_stack_write(void *uc, int type, uint64_t address, int size, int64_t value,
                         struct bc_state *s)
{
    (void)type;
    uint32_t addr = (uint32_t)address;
    if (addr >= s->stack_base) {
        if (!s->in_interrupt)
            return;
        uint64_t sp = 0;
        s->reg_read(uc, s->sp_id, &sp);
        if ((uint64_t)addr + SP_REACH >= (uint32_t)sp) {
            if (addr < s->lowest)
                s->lowest = addr;
            return;
        }
    }
    if (s->stack_slow(addr, (uint32_t)size, (uint32_t)value) != 0)
        stop(s, STOP_ERROR);
}

/* UC_HOOK_MEM_WRITE_PROT callback: the same watch without a memory hook, which would send
 * every store of the program through the engine's slow path (tools/hookcost.py).  The watched
 * window's pages [prot_lo, prot_hi) are mapped read-only, so only their stores fault into
 * here: the store is noted as bc_hook_stack_write notes it (before it lands, as a memory
 * hook sees it), then made in the pages' host memory, and execution goes on.  A store elsewhere is
 * a real protection fault: false leaves it to the next hook (cpu.py reports it). */
int bc_hook_stack_prot(void *uc, int type, uint64_t address, int size, int64_t value,
                       struct bc_state *s)
{
    uint32_t addr = (uint32_t)address;
    if (addr < s->prot_lo || size <= 0 || size > 8 || (uint64_t)addr + (uint32_t)size > s->prot_hi)
        return 0;
    if (addr >= s->watch_lo && addr < s->watch_hi)    /* the hook's range [lo, top) */
        bc_hook_stack_write(uc, type, address, size, value, s);
    uint8_t *at = s->host + (addr - s->prot_lo);
    for (int i = 0; i < size; i++) {
        int shift = 8 * (s->big_endian ? size - 1 - i : i);
        at[i] = (uint8_t)((uint64_t)value >> shift);
    }
    return 1;
}

/* Debug stops: see the file comment.  Mirrored by emulator/debug/stops.py:_DbgState. */
enum { DBG_BREAKS_MAX = 64 };
struct dbg_state {
    uint32_t halt, nbreaks;                   /* halt: call Python before every instruction */
    uint32_t breaks[DBG_BREAKS_MAX];
    uint64_t from_cycle;                      /* call Python once the clock's now reaches it */
    const struct bc_state *clock;             /* now, muted (host stubs) and rec_count */
    uint32_t drain, pad;                      /* call Python while probe records wait */
    int (*stop)(uint32_t addr);               /* Python, 0 = ok */
};

void dbg_hook_code(void *uc, uint64_t address, uint32_t size, struct dbg_state *d)
{
    uint32_t addr = (uint32_t)address, i;
    (void)uc;
    (void)size;
    if (d->clock->muted)
        return;
    if (d->halt || d->clock->now >= d->from_cycle || (d->drain && d->clock->rec_count)) {
        d->stop(addr);
        return;
    }
    for (i = 0; i < d->nbreaks; i++)
        if (d->breaks[i] == addr) {
            d->stop(addr);
            return;
        }
}

/* The trace window (emulator/probes/trace.py:TraceWindow): a UC_HOOK_BLOCK callback registered
 * after the clock's records every block the clock charged (its address, size and start cycle)
 * in a ring; Python expands blocks to instructions only when a finding or a fault prints it. */
struct tw_entry {
    uint32_t addr, size;
    uint64_t start;
};

struct tw_state {
    const struct bc_state *clock;
    struct tw_entry *ring;
    uint32_t mask, pad;                       /* ring size - 1 (a power of two) */
    uint64_t pos;                             /* blocks recorded so far */
};

void tw_hook_block(void *uc, uint64_t address, uint32_t size, struct tw_state *w)
{
    const struct bc_state *s = w->clock;
    struct tw_entry *e;
    (void)uc;
    if (s->muted || s->stopped || s->block_addr != (uint32_t)address || s->block_size != size)
        return;                               /* not charged: the block does not run now */
    e = &w->ring[w->pos++ & w->mask];
    e->addr = (uint32_t)address;
    e->size = size;
    e->start = s->block_start;
}

/* Alignment checks (emulator/arch/arm/alignment.py): a UC_HOOK_CODE callback on one instruction
 * ARMv7-M always requires aligned (LDM/STM, LDRD/STRD, LDREX/STREX, VLDR/VSTR, VLDM/VSTM).  Its
 * offset is a multiple of 4 or absent, so the base register's low bits are the address's; Python
 * runs only when they are not zero (it checks the IT condition and stops the engine). */
struct al_site {
    uint32_t mask;                            /* 3 (word) or 1 (halfword) */
    int rn_id;                                /* the base register's engine number */
    uint32_t site, pad;                       /* the instruction's address (the hook's may be
                                                 its IT instruction's) */
    int (*reg_read)(void *uc, int id, void *value);
    int (*unaligned)(uint32_t site);          /* Python, 0 = ok */
};

void al_hook_code(void *uc, uint64_t address, uint32_t size, const struct al_site *a)
{
    uint64_t base = 0;
    (void)address;
    (void)size;
    a->reg_read(uc, a->rn_id, &base);
    if ((uint32_t)base & a->mask)
        a->unaligned(a->site);
}
