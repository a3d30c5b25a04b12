/* The command line arrives intact (library options such as --solo5:quiet stripped). */
#include "guest_test.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    out("Hello, skiff guest\n");
    out("cmdline: ");
    out(si->cmdline);
    out("\n");
    CHECK(util_streq(si->cmdline, "Hello_skiff"));
    return test_success();
}
