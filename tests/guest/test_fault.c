/* One deliberate memory-protection violation, chosen by the command line. Each one must end the
 * guest as a guest fault (status 253) before the FAILURE line:
 *   text     write into .text (mapped read+execute)
 *   rodata   write into .rodata (mapped read-only)
 *   bootinfo write into the boot info page (mapped read-only)
 *   null     read from address 0 (page 0 not present)
 *   nx       call code placed in .data (mapped no-execute)
 *   unmapped write beyond the top of guest memory */
#include "guest_test.h"

static const char read_only[64] = "rodata must stay read-only";
static uint8_t data_code[16] __attribute__((aligned(16))) = {0xc3}; /* ret */

static void write_byte(uintptr_t addr)
{
    *(volatile uint8_t *)launder(addr) = 0x90;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    char what[16];
    if (!arg_value(si->cmdline, "fault", what, sizeof what))
        return test_fail("fault=text|rodata|bootinfo|null|nx|unmapped expected");
    out("provoking fault: ");
    out(what);
    out("\n");
    if (util_streq(what, "text"))
        write_byte((uintptr_t)&skiff_app_main);
    else if (util_streq(what, "rodata"))
        write_byte((uintptr_t)read_only);
    else if (util_streq(what, "bootinfo"))
        write_byte(0x10000);
    else if (util_streq(what, "null"))
        out_u64(*(volatile uint8_t *)launder(0));
    else if (util_streq(what, "nx"))
        ((void (*)(void))launder((uintptr_t)data_code))();
    else if (util_streq(what, "unmapped"))
        write_byte(si->heap_start + si->heap_size + (64ull << 20));
    else
        return test_fail("unknown fault kind");
    return test_fail("the access did not fault");
}
