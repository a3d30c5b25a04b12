/* Hostile hypercalls: the tender must refuse bad guest pointers and end the guest (status 253).
 *   arg   PUTS with an argument structure beyond guest memory
 *   data  PUTS whose data pointer lies beyond guest memory
 *   port  an OUT to a port that is no hypercall (0x500, reserved) */
#include "guest_test.h"

#include "skiff/abi/hypercall.h"

static void outl(uint16_t port, uint32_t value)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(value), "d"(port) : "memory");
}

int skiff_app_main(const struct skiff_start_info *si)
{
    char what[16];
    if (!arg_value(si->cmdline, "call", what, sizeof what))
        return test_fail("call=arg|data|port expected");
    uint64_t beyond = si->heap_start + si->heap_size + (64ull << 20); /* past mem_size */
    out("making a hostile hypercall: ");
    out(what);
    out("\n");
    if (util_streq(what, "arg")) {
        outl(SKIFF_HYPERCALL_PORT(SKIFF_HC_PUTS), (uint32_t)beyond);
    } else if (util_streq(what, "data")) {
        volatile struct skiff_hc_puts arg = {.data = beyond, .len = 16};
        outl(SKIFF_HYPERCALL_PORT(SKIFF_HC_PUTS), (uint32_t)(uintptr_t)&arg);
    } else if (util_streq(what, "port")) {
        outl(SKIFF_HYPERCALL_PIO_BASE, 0);
    } else {
        return test_fail("unknown call kind");
    }
    return test_fail("the tender accepted a hostile hypercall");
}
