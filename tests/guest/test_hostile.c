/* Hostile hypercalls: the tender must refuse bad guest pointers and end the guest (status 253).
 *   arg   PUTS with an argument structure beyond guest memory
 *   data  PUTS whose data pointer lies beyond guest memory
 *   port  hypercall number 0, which is reserved (x86_64: port 0x500; aarch64: the MMIO window's
 *         first slot) */
#include "guest_test.h"

#include "cpu.h"
#include "skiff/abi/hypercall.h"

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
        skiff_cpu_hypercall(SKIFF_HC_PUTS, (uint32_t)beyond);
    } else if (util_streq(what, "data")) {
        volatile struct skiff_hc_puts arg = {.data = beyond, .len = 16};
        skiff_cpu_hypercall(SKIFF_HC_PUTS, (uint32_t)(uintptr_t)&arg);
    } else if (util_streq(what, "port")) {
        skiff_cpu_hypercall(0, 0);
    } else {
        return test_fail("unknown call kind");
    }
    return test_fail("the tender accepted a hostile hypercall");
}
