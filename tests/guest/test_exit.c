/* The guest's exit status reaches the tender's exit status: exits with status=N from the command
 * line, via skiff_exit (mode=call) or by returning from skiff_app_main (default). */
#include "guest_test.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    char value[16];
    uint64_t status = 0;
    if (!arg_value(si->cmdline, "status", value, sizeof value) || !parse_u64(value, &status) || status > 255)
        return test_fail("status=N (0..255) expected");
    out("exiting with ");
    out_u64(status);
    out("\n");
    if (arg_value(si->cmdline, "mode", value, sizeof value) && util_streq(value, "call"))
        skiff_exit((int)status);
    return (int)status;
}
