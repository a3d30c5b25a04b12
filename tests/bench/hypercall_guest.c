/* Benchmark guest: N cheapest hypercalls (WALLTIME), N from the command line (default 100000). */
#include "skiff/skiff.h"

static unsigned long parse(const char *s)
{
    unsigned long n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (unsigned long)(*s++ - '0');
    return n;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    unsigned long n = si->cmdline[0] ? parse(si->cmdline) : 100000;
    skiff_time_t sum = 0;
    for (unsigned long i = 0; i < n; i++)
        sum += skiff_clock_wall();
    return sum == 0; /* keeps the loop; a wall clock is never 0 */
}
