/* Block durability, clean exit: writes the durability pattern to "storage", then halts with 0. */
#include "durability_pattern.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    if (durability_write(si) != 0)
        return SKIFF_EXIT_FAILURE;
    return test_success();
}
