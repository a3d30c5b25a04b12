/* skiff_abort ends the guest with status 255 and says so. */
#include "guest_test.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    out("calling skiff_abort\n");
    skiff_abort();
}
