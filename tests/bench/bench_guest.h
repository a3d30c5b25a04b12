/* Console output and raw hypercalls for the bench guests: one "key=value ..." line that skiff-bench
 * parses. Built on the examples' console helpers and the bindings' own hypercall. */
#ifndef SKIFF_BENCH_GUEST_H
#define SKIFF_BENCH_GUEST_H

#include <stdint.h>

#include "hypercall.h"  /* bindings/: skiff_hypercall(), for transfers the one-block API does not offer */
#include "skiff_util.h" /* examples/common/: out(), out_u64() */

static inline void bench_out_u64(const char *key, uint64_t v)
{
    out(key);
    out_u64(v);
}

#endif
