/* Benchmark guest for the start-up figures: declares what its manifest says (none, or many block
 * devices), does nothing. */
#include "skiff/skiff.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    return 0;
}
