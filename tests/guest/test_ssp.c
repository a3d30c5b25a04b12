/* A stack buffer overflow is caught by the stack protector: ABORT, status 255. */
#include "guest_test.h"

static __attribute__((noinline)) void smash(size_t n)
{
    volatile char buf[16];
    for (size_t i = 0; i < n; i++)
        buf[i] = 'x';
}

int skiff_app_main(const struct skiff_start_info *si)
{
    (void)si;
    out("overflowing a stack buffer\n");
    smash(launder(64));
    return test_fail("stack smashing not detected");
}
