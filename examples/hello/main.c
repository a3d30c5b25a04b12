/* hello: prints a greeting and its command line, then exits with the status given as
 * `exit=N` (default 0). Try: skiff hello.elf exit=3 */
#include "skiff_util.h"

int skiff_app_main(const struct skiff_start_info *si)
{
    out("Hello from a skiff unikernel!\n");
    out("command line: \"");
    out(si->cmdline);
    out("\"\n");

    char value[8];
    uint64_t status = 0;
    if (arg_value(si->cmdline, "exit", value, sizeof value) && !parse_u64(value, &status)) {
        out("hello: exit=N needs a decimal number\n");
        return SKIFF_EXIT_FAILURE;
    }
    return (int)(status & 0xff);
}
