/* Block devices (docs/guest-abi.md §5.6, §5.10, §6.3). A request is any whole number of blocks.
 * When the tender offers the block ring, requests travel through it, many in flight and no VM exit
 * (one kick, cpu.h's SKIFF_BLOCK_RING_KICK, only when the host thread sleeps); otherwise, and under
 * `--skiff:no-ring`, each is one BLOCK_* hypercall. Flush and discard are offered per device in the
 * manifest's flags; where a tender does not set them (Solo5's) they answer SKIFF_R_EOPNOTSUPP. */
#include "bindings.h"
#include "hypercall.h"
#include "ring.h"

/* Larger requests are split: a ring entry's length is 32 bits. */
#define MAX_RING_REQUEST (1u << 30)

static volatile struct skiff_ring *block_ring;
static int block_ring_checked;

static void block_ring_setup(void)
{
    const struct skiff_boot_info *bi = skiff_boot_info;
    block_ring_checked = 1;
    if (!skiff_no_ring && (bi->host_features & SKIFF_HOST_FEATURE_BLOCK_RING) && bi->block_ring_page != 0)
        block_ring = (volatile struct skiff_ring *)(uintptr_t)((uint64_t)bi->block_ring_page << 12);
}

static const struct skiff_manifest_entry *block_entry(skiff_handle_t handle)
{
    if (!block_ring_checked)
        block_ring_setup();
    return skiff_manifest_entry_of(handle, SKIFF_DEV_BLOCK_BASIC);
}

skiff_result_t skiff_block_acquire(const char *name, skiff_handle_t *handle, struct skiff_block_info *info)
{
    skiff_handle_t h;
    const struct skiff_manifest_entry *e = skiff_manifest_find(name, SKIFF_DEV_BLOCK_BASIC, &h);
    if (e == NULL || handle == NULL || info == NULL)
        return SKIFF_R_EINVAL;
    info->capacity = e->u.block_basic.capacity;
    info->block_size = e->u.block_basic.block_size;
    info->flags = e->u.block_basic.flags;
    *handle = h;
    return SKIFF_R_OK;
}

/* The library's part of the contract, so a bad request never reaches the tender (which would end
 * the guest): a known device, whole aligned blocks for reads, writes and discards, and what the
 * device offers. */
static skiff_result_t check(const struct skiff_block_request *r)
{
    const struct skiff_manifest_entry *e = block_entry(r->handle);
    if (e == NULL || (unsigned)r->op > SKIFF_BLOCK_OP_DISCARD)
        return SKIFF_R_EINVAL;
    uint16_t flags = e->u.block_basic.flags;
    if (r->op == SKIFF_BLOCK_OP_FLUSH)
        return (flags & SKIFF_BLOCK_F_FLUSH) ? SKIFF_R_OK : SKIFF_R_EOPNOTSUPP;
    if (r->op == SKIFF_BLOCK_OP_DISCARD && !(flags & SKIFF_BLOCK_F_DISCARD))
        return SKIFF_R_EOPNOTSUPP;
    uint64_t block_size = e->u.block_basic.block_size;
    if (block_size == 0 || r->size == 0 || r->offset % block_size != 0 || r->size % block_size != 0)
        return SKIFF_R_EINVAL;
    if (r->op != SKIFF_BLOCK_OP_DISCARD && r->buf == NULL)
        return SKIFF_R_EINVAL;
    return SKIFF_R_OK;
}

static skiff_result_t by_hypercall(const struct skiff_block_request *r)
{
    static const enum skiff_hypercall_nr calls[] = {SKIFF_HC_BLOCK_READ, SKIFF_HC_BLOCK_WRITE, SKIFF_HC_BLOCK_FLUSH,
                                                    SKIFF_HC_BLOCK_DISCARD};
    volatile struct skiff_hc_block_io arg = {.handle = r->handle,
                                             .offset = r->offset,
                                             .data = (uint64_t)(uintptr_t)r->buf,
                                             .len = r->op == SKIFF_BLOCK_OP_FLUSH ? 0 : r->size,
                                             .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(calls[r->op], &arg);
    return (skiff_result_t)arg.ret;
}

/* Takes the completions there are; returns how many. Each names its request by index. */
static size_t collect(struct skiff_block_request *requests, size_t count)
{
    size_t done = 0;
    uint32_t head = block_ring->com_head;
    while (block_ring->com_tail != head) {
        skiff_load_barrier(); /* the completion is read after the tail */
        volatile struct skiff_ring_completion *c = &block_ring->com[head & SKIFF_RING_SLOT_MASK];
        if (c->id < count)
            requests[c->id].result = (skiff_result_t)c->ret;
        skiff_load_barrier(); /* ... and before the host may reuse its slot */
        block_ring->com_head = ++head;
        ++done;
    }
    return done;
}

/* All of REQUESTS through the ring, at most a ring's worth in flight; the host serves them in order. */
static void by_ring(struct skiff_block_request *requests, size_t count, const skiff_result_t *checked)
{
    static const uint32_t ops[] = {SKIFF_RING_BLOCK_READ, SKIFF_RING_BLOCK_WRITE, SKIFF_RING_BLOCK_FLUSH,
                                   SKIFF_RING_BLOCK_DISCARD};
    size_t next = 0, in_flight = 0;
    while (next < count || in_flight > 0) {
        while (next < count && in_flight < SKIFF_RING_SLOTS - 1u) {
            struct skiff_block_request *r = &requests[next];
            if (checked[next] == SKIFF_R_OK) {
                skiff_ring_push(block_ring, SKIFF_BLOCK_RING_KICK, ops[r->op], (uint32_t)r->handle,
                                (uint64_t)(uintptr_t)r->buf, r->op == SKIFF_BLOCK_OP_FLUSH ? 0 : (uint32_t)r->size,
                                (uint32_t)next, r->offset);
                ++in_flight;
            }
            ++next;
        }
        size_t done = collect(requests, count);
        in_flight -= done;
        if (done == 0)
            skiff_cpu_relax();
    }
}

skiff_result_t skiff_block_submit(struct skiff_block_request *requests, size_t count)
{
    /* The checks' results, kept apart from the requests: a request's result is only its answer. */
    skiff_result_t checked[64];
    skiff_result_t first_error = SKIFF_R_OK;
    for (size_t base = 0; base < count; base += 64) {
        size_t n = count - base < 64 ? count - base : 64;
        int ring_ok = 1;
        for (size_t i = 0; i < n; ++i) {
            struct skiff_block_request *r = &requests[base + i];
            checked[i] = check(r);
            r->result = checked[i];
            if (r->size > MAX_RING_REQUEST)
                ring_ok = 0;
        }
        if (block_ring != NULL && ring_ok) {
            by_ring(requests + base, n, checked);
        } else {
            for (size_t i = 0; i < n; ++i)
                if (checked[i] == SKIFF_R_OK)
                    requests[base + i].result = by_hypercall(&requests[base + i]);
        }
        for (size_t i = 0; i < n && first_error == SKIFF_R_OK; ++i)
            first_error = requests[base + i].result;
    }
    return first_error;
}

static skiff_result_t one(enum skiff_block_op op, skiff_handle_t handle, skiff_off_t offset, void *buf, size_t size)
{
    struct skiff_block_request r = {.op = op, .handle = handle, .offset = offset, .buf = buf, .size = size};
    return skiff_block_submit(&r, 1);
}

skiff_result_t skiff_block_write(skiff_handle_t handle, skiff_off_t offset, const uint8_t *buf, size_t size)
{
    return one(SKIFF_BLOCK_OP_WRITE, handle, offset, (void *)(uintptr_t)buf, size);
}

skiff_result_t skiff_block_read(skiff_handle_t handle, skiff_off_t offset, uint8_t *buf, size_t size)
{
    return one(SKIFF_BLOCK_OP_READ, handle, offset, buf, size);
}

skiff_result_t skiff_block_flush(skiff_handle_t handle)
{
    return one(SKIFF_BLOCK_OP_FLUSH, handle, 0, NULL, 0);
}

skiff_result_t skiff_block_discard(skiff_handle_t handle, skiff_off_t offset, size_t size)
{
    return one(SKIFF_BLOCK_OP_DISCARD, handle, offset, NULL, size);
}
