/* Console output: the PUTS hypercall (docs/guest-abi.md §5.4). */
#include "bindings.h"
#include "hypercall.h"

void skiff_console_write(const char *buf, size_t size)
{
    volatile struct skiff_hc_puts arg = {.data = (uint64_t)(uintptr_t)buf, .len = size};
    skiff_hypercall(SKIFF_HC_PUTS, &arg);
}
