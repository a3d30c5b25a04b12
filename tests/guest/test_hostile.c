/* Hostile hypercalls: the tender must refuse bad guest pointers and end the guest (status 253).
 *   arg   PUTS with an argument structure beyond guest memory
 *   data  PUTS whose data pointer lies beyond guest memory
 *   port  hypercall number 0, which is reserved (x86_64: port 0x500; aarch64: the MMIO window's
 *         first slot)
 * aarch64 only, accesses to the hypercall window that are no hypercall (docs/guest-abi.md §9.2):
 *   load    a 4-byte load from PUTS's slot
 *   wide    an 8-byte store there
 *   inside  a 4-byte store 4 bytes into the slot (Solo5 would take it as PUTS)
 *   past    a 4-byte store past the last hypercall's slot
 *   pair    a store pair (stp), which KVM cannot describe */
#include "guest_test.h"

#include "cpu.h"
#include "skiff/abi/hypercall.h"

#if defined(__aarch64__)
/* One access of kind `what` near `slot`; 0 if `what` names none. */
static int window_access(const char *what, uint64_t slot)
{
    uint32_t word;
    if (util_streq(what, "load"))
        __asm__ __volatile__("ldr %w0, [%1]" : "=r"(word) : "r"(slot) : "memory");
    else if (util_streq(what, "wide"))
        __asm__ __volatile__("str %0, [%1]" : : "r"((uint64_t)0), "r"(slot) : "memory");
    else if (util_streq(what, "inside"))
        __asm__ __volatile__("str %w0, [%1]" : : "r"(0u), "r"(slot + 4) : "memory");
    else if (util_streq(what, "past"))
        __asm__ __volatile__("str %w0, [%1]" : : "r"(0u), "r"(SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_MAX)) : "memory");
    else if (util_streq(what, "pair"))
        __asm__ __volatile__("stp %w0, %w0, [%1]" : : "r"(0u), "r"(slot) : "memory");
    else
        return 0;
    (void)word;
    return 1;
}
#endif

int skiff_app_main(const struct skiff_start_info *si)
{
    char what[16];
    if (!arg_value(si->cmdline, "call", what, sizeof what))
        return test_fail("call=arg|data|port|load|wide|inside|past|pair expected");
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
#if defined(__aarch64__)
    } else if (!window_access(what, SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_PUTS))) {
        return test_fail("unknown call kind");
#else
    } else {
        return test_fail("unknown call kind");
#endif
    }
    return test_fail("the tender accepted a hostile hypercall");
}
