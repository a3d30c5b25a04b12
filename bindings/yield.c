/* Waiting for time or network input: the POLL hypercall (docs/guest-abi.md §5.5). */
#include "bindings.h"
#include "hypercall.h"

void skiff_yield(skiff_time_t deadline, skiff_handle_set_t *ready_set)
{
    skiff_time_t now = skiff_clock_monotonic();
    volatile struct skiff_hc_poll arg = {.timeout_nsecs = deadline > now ? deadline - now : 0};
    skiff_hypercall(SKIFF_HC_POLL, &arg);
    if (ready_set != NULL)
        *ready_set = arg.ready_set;
}
