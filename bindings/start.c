/* Entry point: the tender starts the guest here with the boot info address as the only argument
 * (RDI on x86_64, X0 on aarch64), a stack at the top of memory and the MMU on (docs/guest-abi.md
 * §4, §7). The ABI note and the PT_INTERP string are abi_note.c's. */
#include <stdint.h>

#include "bindings.h"
#include "cpu.h"

/* Read by code compiled with -fstack-protector -mstack-protector-guard=global. Initialised
 * data (so .data is never empty); re-seeded from the CPU's counter at boot (TSC; on aarch64 the
 * virtual counter, which skiff starts at a random value). */
uintptr_t __stack_chk_guard = 0x00000aff0a0d0000ull;

const struct skiff_boot_info *skiff_boot_info;
int skiff_no_ring;

extern char _sbss[], _ebss[], _end[]; /* from skiff.lds */

#define MIN_HEAP_SIZE (512u * 1024u)

/* Library options that may lead the command line (Solo5 spelling accepted for compatibility).
 * They are hidden from the application; the library prints no banner, and acts on one only:
 * --skiff:no-ring (net I/O through hypercalls even where ring I/O is offered). */
static int is_library_option(const char *word, size_t len)
{
    static const char *const prefixes[] = {"--solo5:", "--skiff:"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t plen = strlen(prefixes[i]);
        if (len > plen) {
            size_t j = 0;
            while (j < plen && word[j] == prefixes[i][j])
                j++;
            if (j == plen)
                return 1;
        }
    }
    return 0;
}

static const char *strip_library_options(const char *cmdline)
{
    for (;;) {
        while (*cmdline == ' ')
            cmdline++;
        size_t len = 0;
        while (cmdline[len] != '\0' && cmdline[len] != ' ')
            len++;
        if (len == 0 || !is_library_option(cmdline, len))
            return cmdline;
        if (len == 15 && strncmp(cmdline, "--skiff:no-ring", len) == 0)
            skiff_no_ring = 1;
        cmdline += len;
    }
}

static void die(const char *msg)
{
    skiff_console_write(msg, strlen(msg));
    skiff_abort();
}

__attribute__((noreturn, noinline)) static void start_app(const struct skiff_boot_info *bi)
{
    struct skiff_start_info si;
    uintptr_t heap_start = ((uintptr_t)_end + SKIFF_PAGE_SIZE - 1) & ~(uintptr_t)(SKIFF_PAGE_SIZE - 1);
    if (heap_start + MIN_HEAP_SIZE > bi->mem_size)
        die("skiff bindings: ABORT: not enough memory for the heap\n");
    si.cmdline = strip_library_options((const char *)(uintptr_t)bi->cmdline);
    si.heap_start = heap_start;
    si.heap_size = bi->mem_size - heap_start;
    skiff_clock_init(bi->cpu_cycle_freq);
    skiff_exit(skiff_app_main(&si));
}

__attribute__((noreturn, used)) void _start(const struct skiff_boot_info *bi)
{
    /* First, so that even a fault in what follows is reported. */
    skiff_cpu_install_trap_handlers();
    /* Fresh guest memory is zero already; clearing BSS keeps images honest under any loader. */
    memset(_sbss, 0, (size_t)(_ebss - _sbss));
    /* Keep a zero byte in the guard so string overflows cannot reproduce it. */
    __stack_chk_guard = skiff_cpu_counter() & ~(uintptr_t)0xff00;
    /* Any TLS access before the application sets a base faults in the unmapped zero page. */
    skiff_cpu_set_thread_pointer(0);
    skiff_boot_info = bi;
    start_app(bi);
}
