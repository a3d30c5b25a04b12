/* Clocks: monotonic from the TSC scaled by the boot info's cpu_cycle_freq (no exit), wall clock
 * from the WALLTIME hypercall (docs/guest-abi.md §5.3, §7). */
#include "bindings.h"
#include "hypercall.h"

#define NSEC_PER_SEC 1000000000ull

/* ns = (ticks * ns_per_tick_q32) >> 32: a 64x64->128 multiply, which gcc inlines, instead of a
 * 128-bit division, which would need libgcc. (10^9 << 32) fits in 64 bits, so the factor is one
 * 64-bit division at boot; its rounding error is below one part in 10^9 for any TSC >= 1 GHz. */
static uint64_t ns_per_tick_q32;
static uint64_t tsc_at_boot;

static inline uint64_t read_tsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void skiff_clock_init(uint64_t cpu_cycle_freq)
{
    if (cpu_cycle_freq == 0)
        cpu_cycle_freq = NSEC_PER_SEC; /* a broken tender; keep time moving rather than divide by 0 */
    ns_per_tick_q32 = (NSEC_PER_SEC << 32) / cpu_cycle_freq;
    tsc_at_boot = read_tsc();
}

skiff_time_t skiff_clock_monotonic(void)
{
    uint64_t ticks = read_tsc() - tsc_at_boot;
    return (skiff_time_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

skiff_time_t skiff_clock_wall(void)
{
    volatile struct skiff_hc_walltime arg = {0};
    skiff_hypercall(SKIFF_HC_WALLTIME, &arg);
    return arg.nsecs;
}
