/* Benchmark guest: COUNT transfers of SIZE bytes on the block device "disk", sequential or at the
 * offsets bench_hostio uses. SIZE may be any multiple of the block size: one raw BLOCK_READ/WRITE
 * hypercall per transfer (the API's skiff_block_* move exactly one block).
 * cmdline: read|write seq|rand SIZE COUNT    prints "ns=T" */
#include "bench_common.h"
#include "bench_guest.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    const char *p = si->cmdline;
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
        size > si->heap_size / 2)
        return 3;
    uint8_t *buf = (uint8_t *)si->heap_start;
    for (uint64_t i = 0; i < size; i++)
        buf[i] = 0x5a;
    uint64_t slots = info.capacity / size, rng = BENCH_RNG_SEED;
    volatile struct skiff_hc_block_io arg;
    skiff_time_t t0 = skiff_clock_monotonic();
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
    bench_out_u64("ns=", skiff_clock_monotonic() - t0);
    out("\n");
    return 0;
}
