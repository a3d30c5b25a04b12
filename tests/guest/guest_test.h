/* Helpers for the guest test images: each image checks one ABI behaviour and reports SUCCESS or
 * "FAILURE: why" on the console; the runner (tests/guest/guests.json) checks output and status. */
#ifndef SKIFF_GUEST_TEST_H
#define SKIFF_GUEST_TEST_H

#include "skiff_util.h"

#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC 1000000000ull

static inline int test_fail(const char *why)
{
    out("FAILURE: ");
    out(why);
    out("\n");
    return SKIFF_EXIT_FAILURE;
}

static inline int test_success(void)
{
    out("SUCCESS\n");
    return SKIFF_EXIT_SUCCESS;
}

#define CHECK(cond)                                 \
    do {                                            \
        if (!(cond))                                \
            return test_fail(#cond);                \
    } while (0)

/* Hides a value from the optimiser, so deliberately bad accesses are really made. */
static inline uintptr_t launder(uintptr_t v)
{
    __asm__ __volatile__("" : "+r"(v));
    return v;
}

#endif
