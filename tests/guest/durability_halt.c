/* Block durability, clean exit: writes the durability pattern to "storage", then
 *   (default)     halts with 0
 *   then=wait     says "waiting" and waits until skiff is stopped (by a signal)
 *   then=chatter  writes 1 MiB of console text, then halts with 0 (past a file size limit, skiff
 *                 gets SIGXFSZ) */
#include "durability_pattern.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    if (durability_write(si) != 0)
        return SKIFF_EXIT_FAILURE;
    char then[16];
    if (arg_value(si->cmdline, "then", then, sizeof then) && util_streq(then, "wait")) {
        out("waiting\n");
        for (;;)
            skiff_yield(skiff_clock_monotonic() + 3600 * NSEC_PER_SEC, NULL);
    }
    if (arg_value(si->cmdline, "then", then, sizeof then) && util_streq(then, "chatter")) {
        static char line[1024];
        for (size_t i = 0; i < sizeof line - 1; i++)
            line[i] = (char)('a' + i % 26);
        line[sizeof line - 1] = '\n';
        for (int i = 0; i < 1024; i++)
            skiff_console_write(line, sizeof line);
    }
    return test_success();
}
