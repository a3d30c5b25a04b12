/* Benchmark guest: N cheapest hypercalls (WALLTIME), N from the command line (default 100000).
 * Prints "ns=T" (monotonic clock, no exit) for the whole loop. */
#include "bench_common.h"
#include "bench_guest.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    const char *p = si->cmdline;
    uint64_t n = si->cmdline[0] ? bench_parse_u64(&p) : 100000;
    skiff_time_t sum = 0, t0 = skiff_clock_monotonic();
    for (uint64_t i = 0; i < n; i++)
        sum += skiff_clock_wall();
    bench_out_u64("ns=", skiff_clock_monotonic() - t0);
    out("\n");
    return n != 0 && sum == 0; /* keeps the loop; a wall clock is never 0 */
}
