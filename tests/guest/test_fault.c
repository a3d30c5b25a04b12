/* One deliberate memory-protection violation, chosen by the command line. Each one must end the
 * guest before the FAILURE line: on x86_64 as a guest fault (status 253), on aarch64 through the
 * bindings' exception report (status 255):
 *   text     write into .text (mapped read+execute)
 *   rodata   write into .rodata (mapped read-only)
 *   bootinfo write into the boot info page (mapped read-only)
 *   null     read from address 0 (page 0 not present)
 *   nx       call code placed in .data (mapped no-execute)
 *   unmapped write beyond the top of guest memory
 *   text_alias  (x86_64) write into .text through page tables of the guest's own making, which map
 *               it writable: skiff's read-only host mapping of the text is what stops it
 *   no_vectors  (aarch64) null read with VBAR_EL1 pointing back at skiff's own vector table, as
 *               before the bindings install theirs: skiff must end the run naming the exception
 * It prints the address it is about to touch, so the runner can match the fault address against it. */
#include "guest_arch.h"
#include "guest_test.h"
#include "skiff/abi/boot.h"

static const char read_only[64] = "rodata must stay read-only";
static uint8_t data_code[16] __attribute__((aligned(16))) = GUEST_RET_BYTES;

static void write_byte(uintptr_t addr)
{
    *(volatile uint8_t *)launder(addr) = 0x90;
}

/* "0x1f": how skiff prints addresses. */
static void out_addr(uint64_t v)
{
    unsigned digits = 1;
    while (digits < 16 && (v >> (4 * digits)) != 0)
        digits++;
    out("0x");
    out_hex(v, digits);
}

static uintptr_t announce(const char *what, uintptr_t addr)
{
    out("provoking fault: ");
    out(what);
    out(" at ");
    out_addr(addr);
    out("\n");
    return addr;
}

#if defined(__x86_64__)
/* An identity map of the first GiB in 2 MiB pages, all writable, in three heap pages: the guest's
 * own page tables, in place of the ones skiff built. */
static void map_everything_writable(uintptr_t tables)
{
    uint64_t *pml4 = (uint64_t *)tables, *pdpt = pml4 + 512, *pd = pdpt + 512;
    for (int i = 0; i < 3 * 512; i++)
        pml4[i] = 0;
    pml4[0] = (uint64_t)(uintptr_t)pdpt | 3;
    pdpt[0] = (uint64_t)(uintptr_t)pd | 3;
    for (uint64_t i = 0; i < 512; i++)
        pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB */
    guest_load_page_tables((uint64_t)tables);
}
#endif

int skiff_app_main(const struct skiff_start_info *si)
{
    char what[16];
    if (!arg_value(si->cmdline, "fault", what, sizeof what))
        return test_fail("fault=text|rodata|bootinfo|null|nx|unmapped|text_alias|no_vectors expected");
    if (util_streq(what, "text"))
        write_byte(announce(what, (uintptr_t)&skiff_app_main));
    else if (util_streq(what, "rodata"))
        write_byte(announce(what, (uintptr_t)read_only));
    else if (util_streq(what, "bootinfo"))
        write_byte(announce(what, 0x10000));
    else if (util_streq(what, "null"))
        out_u64(*(volatile uint8_t *)launder(announce(what, 0)));
    else if (util_streq(what, "nx"))
        ((void (*)(void))launder(announce(what, (uintptr_t)data_code)))();
    else if (util_streq(what, "unmapped"))
        write_byte(announce(what, si->heap_start + si->heap_size + (64ull << 20)));
#if defined(__x86_64__)
    else if (util_streq(what, "text_alias")) {
        map_everything_writable(si->heap_start);
        write_byte(announce(what, (uintptr_t)&skiff_app_main));
    }
#endif
#if defined(__aarch64__)
    else if (util_streq(what, "no_vectors")) {
        guest_set_vector_base(SKIFF_A64_VECTORS_BASE);
        out_u64(*(volatile uint8_t *)launder(announce(what, 0)));
    }
#endif
    else
        return test_fail("unknown fault kind");
    return test_fail("the access did not fault");
}
