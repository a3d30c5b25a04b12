/* Benchmark guest for the start-up scale figure: declares many block devices, does nothing. */
#include "skiff/skiff.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    return 0;
}
