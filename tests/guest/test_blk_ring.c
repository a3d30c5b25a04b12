/* Block device "storage" under many requests at once (docs/guest-abi.md §6.3), through the block
 * ring when the tender offers it (or the hypercalls after --skiff:no-ring):
 *   mode=integrity  writes a distinct pattern into every block in a shuffled order, 32 requests at
 *                   a time with a flush at the end of each batch, then reads every block back in
 *                   another order and checks it; multi-block reads; discard reads back zeros on a
 *                   file; prints "ring" or "hypercalls" for the path it took
 *   mode=flush      writes blocks 0-7 with tag=N, flushes, prints "flushed", then waits an hour
 *   mode=corrupt    queues a good write and then an entry with an unknown operation: the tender
 *                   ends the run (253) */
#include "bindings.h"
#include "cpu.h"
#include "guest_test.h"
#include "skiff/abi/ring.h"

#define BATCH 32

static uint8_t pattern(uint64_t block, size_t i, uint64_t tag)
{
    return (uint8_t)(block * 31 + i * 7 + tag * 101 + 5);
}

/* A permutation of 0..n-1: i*step mod n with step coprime to n. */
static uint64_t shuffled(uint64_t i, uint64_t n, uint64_t step)
{
    return (i * step) % n;
}

static uint64_t coprime_step(uint64_t n, uint64_t from)
{
    uint64_t s = from;
    for (;; ++s) {
        uint64_t a = s, b = n;
        while (b) {
            uint64_t t = a % b;
            a = b;
            b = t;
        }
        if (a == 1)
            return s;
    }
}

static int integrity(skiff_handle_t h, const struct skiff_block_info *info, uint8_t *heap)
{
    size_t bs = info->block_size;
    uint64_t blocks = info->capacity / bs;
    struct skiff_block_request req[BATCH + 1];
    uint64_t step = coprime_step(blocks, blocks / 3 + 1);

    for (uint64_t done = 0; done < blocks;) {
        size_t n = 0;
        for (; n < BATCH && done < blocks; ++n, ++done) {
            uint64_t b = shuffled(done, blocks, step);
            uint8_t *buf = heap + n * bs;
            for (size_t i = 0; i < bs; i++)
                buf[i] = pattern(b, i, 0);
            req[n] = (struct skiff_block_request){SKIFF_BLOCK_OP_WRITE, h, b * bs, buf, bs, SKIFF_R_EUNSPEC};
        }
        req[n] = (struct skiff_block_request){SKIFF_BLOCK_OP_FLUSH, h, 0, 0, 0, SKIFF_R_EUNSPEC};
        CHECK(skiff_block_submit(req, n + 1) == SKIFF_R_OK);
        for (size_t i = 0; i <= n; i++)
            CHECK(req[i].result == SKIFF_R_OK);
    }
    step = coprime_step(blocks, blocks / 2 + 1);
    for (uint64_t done = 0; done < blocks;) {
        size_t n = 0;
        uint64_t which[BATCH];
        for (; n < BATCH && done < blocks; ++n, ++done) {
            which[n] = shuffled(done, blocks, step);
            req[n] = (struct skiff_block_request){SKIFF_BLOCK_OP_READ, h, which[n] * bs, heap + n * bs, bs,
                                                  SKIFF_R_EUNSPEC};
        }
        CHECK(skiff_block_submit(req, n) == SKIFF_R_OK);
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; i < bs; i++)
                if (heap[k * bs + i] != pattern(which[k], i, 0))
                    return test_fail("a block read back differs from what was written");
    }
    /* Sixteen blocks in one request. */
    uint64_t span = blocks < 16 ? blocks : 16;
    CHECK(skiff_block_read(h, 0, heap, span * bs) == SKIFF_R_OK);
    for (uint64_t b = 0; b < span; b++)
        for (size_t i = 0; i < bs; i++)
            CHECK(heap[b * bs + i] == pattern(b, i, 0));
    /* Discard: a file's hole reads back as zeros. */
    CHECK(info->flags & SKIFF_BLOCK_F_DISCARD);
    CHECK(skiff_block_discard(h, 0, 4 * bs) == SKIFF_R_OK);
    CHECK(skiff_block_read(h, 0, heap, 4 * bs) == SKIFF_R_OK);
    for (size_t i = 0; i < 4 * bs; i++)
        CHECK(heap[i] == 0);
    CHECK(skiff_block_read(h, 4 * bs, heap, bs) == SKIFF_R_OK);
    CHECK(heap[0] == pattern(4, 0, 0));
    CHECK(skiff_block_discard(h, 1, bs) == SKIFF_R_EINVAL);
    CHECK(skiff_block_flush(h) == SKIFF_R_OK);
    const struct skiff_boot_info *bi = skiff_boot_info;
    int ring = !skiff_no_ring && (bi->host_features & SKIFF_HOST_FEATURE_BLOCK_RING);
    out(ring ? "path: ring\n" : "path: hypercalls\n");
    return test_success();
}

static int flush_then_wait(skiff_handle_t h, const struct skiff_block_info *info, uint8_t *heap, uint64_t tag)
{
    size_t bs = info->block_size;
    for (size_t i = 0; i < 8 * bs; i++)
        heap[i] = pattern(i / bs, i % bs, tag);
    CHECK(skiff_block_write(h, 0, heap, 8 * bs) == SKIFF_R_OK);
    CHECK(skiff_block_flush(h) == SKIFF_R_OK);
    out("flushed\n");
    skiff_yield(skiff_clock_monotonic() + 3600ull * NSEC_PER_SEC, NULL);
    return test_fail("the wait ended");
}

static int corrupt(skiff_handle_t h, const struct skiff_block_info *info, uint8_t *heap)
{
    const struct skiff_boot_info *bi = skiff_boot_info;
    if (!(bi->host_features & SKIFF_HOST_FEATURE_BLOCK_RING))
        return test_fail("the tender offers no block ring");
    volatile struct skiff_ring *ring = (volatile struct skiff_ring *)(uintptr_t)((uint64_t)bi->block_ring_page << 12);
    for (size_t i = 0; i < info->block_size; i++)
        heap[i] = 0xAB;
    /* A good write, then an entry no tender knows. */
    uint32_t tail = ring->ent_tail;
    volatile struct skiff_ring_submission *e = &ring->ent[tail % SKIFF_RING_SLOTS];
    e->operation = SKIFF_RING_BLOCK_WRITE;
    e->handle = (uint32_t)h;
    e->data = (uint64_t)(uintptr_t)heap;
    e->len = (uint32_t)info->block_size;
    e->id = 1;
    e->offset = info->block_size;
    e = &ring->ent[(tail + 1) % SKIFF_RING_SLOTS];
    e->operation = 99;
    e->handle = (uint32_t)h;
    e->len = 0;
    /* Said before the entries are published: the tender's thread may end the run at once. */
    out("queuing a bad block ring entry\n");
    skiff_store_barrier();
    ring->ent_tail = tail + 2;
    skiff_full_barrier();
    if (ring->needs_kick)
        skiff_cpu_ring_kick(SKIFF_BLOCK_RING_KICK);
    skiff_yield(skiff_clock_monotonic() + 3600ull * NSEC_PER_SEC, NULL);
    return test_fail("the tender let the guest run on");
}

int skiff_app_main(const struct skiff_start_info *si)
{
    skiff_handle_t h;
    struct skiff_block_info info;
    char mode[16], tag[8];
    CHECK(skiff_block_acquire("storage", &h, &info) == SKIFF_R_OK);
    CHECK(info.flags & SKIFF_BLOCK_F_FLUSH);
    uint8_t *heap = (uint8_t *)si->heap_start;
    if (!arg_value(si->cmdline, "mode", mode, sizeof mode))
        return test_fail("mode=integrity|flush|corrupt expected");
    if (util_streq(mode, "integrity"))
        return integrity(h, &info, heap);
    if (util_streq(mode, "flush") && arg_value(si->cmdline, "tag", tag, sizeof tag))
        return flush_then_wait(h, &info, heap, (uint64_t)(tag[0] - '0'));
    if (util_streq(mode, "corrupt"))
        return corrupt(h, &info, heap);
    return test_fail("mode=integrity|flush|corrupt expected");
}
