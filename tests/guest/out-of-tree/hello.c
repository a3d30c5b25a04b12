/* A unikernel built outside the skiff tree against the installed bindings. */
#include <skiff/skiff.h>

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    static const char greeting[] = "Hello from an out-of-tree unikernel\n";
    skiff_console_write(greeting, sizeof greeting - 1);
    skiff_console_write(si->cmdline, length(si->cmdline));
    return SKIFF_EXIT_SUCCESS;
}
