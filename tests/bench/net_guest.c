/* Benchmark guest on the net device "net".
 * cmdline: tx SIZE COUNT        writes COUNT frames of SIZE bytes; prints "ns=T"
 *          rx COUNT SETTLE_MS   waits for the first bench frame, lets the tap queue fill for
 *                               SETTLE_MS, then times reading up to COUNT bench frames until none is
 *                               left; prints "frames=F bytes=B ns=T" (what bench_hostio tap-rx does) */
#include "bench_common.h"
#include "bench_guest.h"

static int tx(const char *p, skiff_handle_t net, uint8_t *frame)
{
    uint64_t size = bench_parse_u64(&p), count = bench_parse_u64(&p);
    if (size < 14 || size > BENCH_MAX_FRAME)
        return 2;
    bench_frame(frame, size);
    skiff_time_t t0 = skiff_clock_monotonic();
    for (uint64_t i = 0; i < count; i++)
        if (skiff_net_write(net, frame, size) != SKIFF_R_OK)
            return 4;
    bench_out_u64("ns=", skiff_clock_monotonic() - t0);
    out("\n");
    return 0;
}

static int rx(const char *p, skiff_handle_t net, uint8_t *frame)
{
    uint64_t count = bench_parse_u64(&p), settle_ns = bench_parse_u64(&p) * 1000000u;
    size_t n = 0;
    for (;;) {
        skiff_result_t r = skiff_net_read(net, frame, BENCH_MAX_FRAME, &n);
        if (r == SKIFF_R_OK && bench_is_frame(frame, n))
            break;
        if (r == SKIFF_R_AGAIN)
            skiff_yield(skiff_clock_monotonic() + 1000000000u, NULL);
        else if (r != SKIFF_R_OK)
            return 4;
    }
    skiff_time_t settle_end = skiff_clock_monotonic() + settle_ns;
    while (skiff_clock_monotonic() < settle_end)
        ;
    uint64_t frames = 1, bytes = n;
    skiff_time_t t0 = skiff_clock_monotonic();
    while (frames < count && skiff_net_read(net, frame, BENCH_MAX_FRAME, &n) == SKIFF_R_OK)
        if (bench_is_frame(frame, n)) {
            frames++;
            bytes += n;
        }
    bench_out_u64("frames=", frames);
    bench_out_u64(" bytes=", bytes);
    bench_out_u64(" ns=", skiff_clock_monotonic() - t0);
    out("\n");
    return 0;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    skiff_handle_t net;
    struct skiff_net_info info;
    if (skiff_net_acquire("net", &net, &info) != SKIFF_R_OK)
        return 3;
    const char *p = si->cmdline;
    uint8_t *frame = (uint8_t *)si->heap_start;
    if (bench_parse_word(&p, "tx"))
        return tx(p, net, frame);
    if (bench_parse_word(&p, "rx"))
        return rx(p, net, frame);
    return 2;
}
