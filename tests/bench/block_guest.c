/* Benchmark guest: COUNT transfers of SIZE bytes on the block device "disk", sequential or at the
 * offsets bench_hostio uses. SIZE may be any multiple of the block size.
 * cmdline: hc read|write seq|rand SIZE COUNT
 *            one raw BLOCK_READ/WRITE hypercall per transfer (one VM exit each), from one buffer
 *          api qd=N read|write seq|rand SIZE COUNT
 *            batches of N requests through skiff_block_submit (the block ring when the tender
 *            offers it, else one hypercall each), each request of a batch with its own buffer
 * prints "ring=R ns=T": R is 1 when skiff_block_submit uses the block ring, T the time of all
 * transfers. Every request's result is checked; a failure ends the guest with status 4. */
#include "bench_common.h"
#include "bench_guest.h"
#include "bindings.h" /* bindings/: skiff_boot_info and skiff_no_ring, to report whether the ring is used */

static int ring_offered(void)
{
    const struct skiff_boot_info *bi = skiff_boot_info;
    return !skiff_no_ring && (bi->host_features & SKIFF_HOST_FEATURE_BLOCK_RING) && bi->block_ring_page != 0;
}

static int by_hypercall(skiff_handle_t disk, int write, int random, uint64_t size, uint64_t count, uint64_t slots,
                        uint8_t *buf)
{
    uint64_t rng = BENCH_RNG_SEED;
    volatile struct skiff_hc_block_io arg;
    for (uint64_t i = 0; i < count; i++) {
        arg.handle = disk;
        arg.offset = bench_offset(i, slots, random, &rng) * size;
        arg.data = (uintptr_t)buf;
        arg.len = size;
        arg.ret = SKIFF_HC_EUNSPEC;
        skiff_hypercall(write ? SKIFF_HC_BLOCK_WRITE : SKIFF_HC_BLOCK_READ, &arg);
        if (arg.ret != SKIFF_HC_OK)
            return 4;
    }
    return 0;
}

static int by_api(skiff_handle_t disk, int write, int random, uint64_t size, uint64_t count, uint64_t slots,
                  uint64_t qd, struct skiff_block_request *reqs, uint8_t *bufs)
{
    uint64_t rng = BENCH_RNG_SEED;
    for (uint64_t i = 0; i < count;) {
        uint64_t n = count - i < qd ? count - i : qd;
        for (uint64_t j = 0; j < n; j++, i++) {
            reqs[j].op = write ? SKIFF_BLOCK_OP_WRITE : SKIFF_BLOCK_OP_READ;
            reqs[j].handle = disk;
            reqs[j].offset = bench_offset(i, slots, random, &rng) * size;
            reqs[j].buf = bufs + j * size;
            reqs[j].size = size;
            reqs[j].result = SKIFF_R_EUNSPEC;
        }
        if (skiff_block_submit(reqs, n) != SKIFF_R_OK)
            return 4;
        for (uint64_t j = 0; j < n; j++)
            if (reqs[j].result != SKIFF_R_OK)
                return 4;
    }
    return 0;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    const char *p = si->cmdline;
    int api = bench_parse_word(&p, "api");
    if (!api && !bench_parse_word(&p, "hc"))
        return 2;
    uint64_t qd = 1;
    if (api) {
        while (*p == ' ')
            p++;
        if (p[0] != 'q' || p[1] != 'd' || p[2] != '=')
            return 2;
        p += 3;
        qd = bench_parse_u64(&p);
    }
    int write = bench_parse_word(&p, "write");
    if (!write && !bench_parse_word(&p, "read"))
        return 2;
    int random = bench_parse_word(&p, "rand");
    if (!random && !bench_parse_word(&p, "seq"))
        return 2;
    uint64_t size = bench_parse_u64(&p), count = bench_parse_u64(&p);
    skiff_handle_t disk;
    struct skiff_block_info info;
    if (skiff_block_acquire("disk", &disk, &info) != SKIFF_R_OK || size == 0 || size % info.block_size != 0 ||
        size > info.capacity || qd == 0 || qd > 1024)
        return 3;
    /* The requests, then the buffers on a page boundary. */
    struct skiff_block_request *reqs = (struct skiff_block_request *)si->heap_start;
    uintptr_t bufs_at = (si->heap_start + qd * sizeof *reqs + 4095) & ~(uintptr_t)4095;
    uint8_t *bufs = (uint8_t *)bufs_at;
    uint64_t nbufs = qd < count ? qd : count;
    if (nbufs * size > si->heap_size / 2 - (bufs_at - si->heap_start))
        return 3;
    /* Untimed: fault the buffers in before the clock starts, one store per page (a memset costs
     * ~0.8 us per byte on kvm-pvm). */
    for (uint64_t i = 0; i < nbufs * size; i += 4096)
        bufs[i] = 0x5a;
    uint64_t slots = info.capacity / size;
    skiff_time_t t0 = skiff_clock_monotonic();
    int rc = api ? by_api(disk, write, random, size, count, slots, qd, reqs, bufs)
                 : by_hypercall(disk, write, random, size, count, slots, bufs);
    skiff_time_t t1 = skiff_clock_monotonic();
    if (rc != 0)
        return rc;
    bench_out_u64("ring=", (uint64_t)(api && ring_offered()));
    bench_out_u64(" ns=", t1 - t0);
    out("\n");
    return 0;
}
