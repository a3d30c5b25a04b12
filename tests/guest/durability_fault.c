/* Block durability, guest fault: writes the durability pattern to "storage", then writes through
 * a NULL pointer (page 0 is not present), so skiff ends it as a guest fault (status 253). What it
 * wrote before the fault must still reach the backing file. */
#include "durability_pattern.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    if (durability_write(si) != 0)
        return SKIFF_EXIT_FAILURE;
    out("now faulting\n");
    *(volatile uint8_t *)launder(0) = 1;
    return test_fail("the NULL write did not fault");
}
