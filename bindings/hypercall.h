/* The one way the guest talks to the tender: a 32-bit OUT of the argument structure's address to
 * port 0x500 + nr (docs/guest-abi.md §5.1). The guest is identity-mapped, so the address is the GPA,
 * and all guest memory lies below 4 GiB. */
#ifndef SKIFF_BINDINGS_HYPERCALL_H
#define SKIFF_BINDINGS_HYPERCALL_H

#include <stdint.h>

#include "skiff/abi/hypercall.h"

static inline void skiff_hypercall(enum skiff_hypercall_nr nr, volatile void *arg)
{
    uint16_t port = (uint16_t)SKIFF_HYPERCALL_PORT(nr);
    uint32_t gpa = (uint32_t)(uintptr_t)arg;
    /* The "memory" clobber makes the compiler write the arguments before, and re-read the
     * results after, the exit to the tender. */
    __asm__ __volatile__("outl %0, %1" : : "a"(gpa), "d"(port) : "memory");
}

#endif
