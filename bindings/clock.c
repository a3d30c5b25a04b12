/* Clocks: monotonic from the CPU's counter (cpu.h: the TSC, on aarch64 CNTVCT_EL0) scaled by the
 * boot info's cpu_cycle_freq (no exit), wall clock from the WALLTIME hypercall (docs/guest-abi.md
 * §5.3, §7). */
#include "bindings.h"
#include "cpu.h"
#include "hypercall.h"

#define NSEC_PER_SEC 1000000000ull

/* ns = (ticks * ns_per_tick_q32) >> 32: a 64x64->128 multiply, which gcc inlines, instead of a
 * 128-bit division, which would need libgcc. (10^9 << 32) fits in 64 bits, so the factor is one
 * 64-bit division at boot; its rounding error is below one part in 10^9 for any counter below
 * 4 GHz (aarch64's run at tens of MHz). */
static uint64_t ns_per_tick_q32;
static uint64_t ticks_at_boot;

void skiff_clock_init(uint64_t cpu_cycle_freq)
{
    if (cpu_cycle_freq == 0)
        cpu_cycle_freq = NSEC_PER_SEC; /* a broken tender; keep time moving rather than divide by 0 */
    ns_per_tick_q32 = (NSEC_PER_SEC << 32) / cpu_cycle_freq;
    ticks_at_boot = skiff_cpu_counter();
}

skiff_time_t skiff_clock_monotonic(void)
{
    uint64_t ticks = skiff_cpu_counter() - ticks_at_boot;
    return (skiff_time_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}

skiff_time_t skiff_clock_wall(void)
{
    volatile struct skiff_hc_walltime arg = {0};
    skiff_hypercall(SKIFF_HC_WALLTIME, &arg);
    return arg.nsecs;
}
