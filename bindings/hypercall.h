/* The one way the guest talks to the tender: one 32-bit access carrying the argument structure's
 * address (docs/guest-abi.md §5.1; the instruction is in cpu.h). The guest is identity-mapped, so
 * the address is the GPA, and all guest memory lies below 4 GiB. */
#ifndef SKIFF_BINDINGS_HYPERCALL_H
#define SKIFF_BINDINGS_HYPERCALL_H

#include <stdint.h>

#include "cpu.h"
#include "skiff/abi/hypercall.h"

static inline void skiff_hypercall(enum skiff_hypercall_nr nr, volatile void *arg)
{
    skiff_cpu_hypercall((uint32_t)nr, (uint32_t)(uintptr_t)arg);
}

#endif
