/* TLS: two blocks set up with skiff_tls_init hold separate copies of the TLS variables, each
 * starting from the initial image (.tdata) and zero (.tbss); switching the thread pointer (FS base,
 * TPIDR_EL0) switches them. */
#include "guest_test.h"

__thread uint64_t counter = 0x1111;
__thread char tag[5] = "init";
__thread uint64_t zero_tls[3];

/* The compiler must not cache TLS values across thread pointer switches. */
static __attribute__((noinline)) uint64_t get_counter(void)
{
    return counter;
}

static __attribute__((noinline)) void set_vars(uint64_t c, char t)
{
    counter = c;
    tag[0] = t;
    zero_tls[2] = c;
}

static __attribute__((noinline)) int vars_are(uint64_t c, char t, uint64_t z)
{
    return counter == c && tag[0] == t && util_streq(tag + 1, "nit") && zero_tls[2] == z && zero_tls[0] == 0;
}

int skiff_app_main(const struct skiff_start_info *si)
{
    size_t size = skiff_tls_size();
    CHECK(size >= sizeof counter + sizeof tag + sizeof zero_tls + sizeof(uintptr_t));
    uintptr_t block1 = si->heap_start; /* heap memory is zero, as skiff_tls_init requires */
    uintptr_t block2 = si->heap_start + ((size + 63) & ~(size_t)63);
    CHECK(skiff_tls_init(0) == SKIFF_R_EINVAL);
    CHECK(skiff_tls_init(block1) == SKIFF_R_OK);
    CHECK(skiff_tls_init(block2) == SKIFF_R_OK);
    uintptr_t tp1 = skiff_tls_tp_offset(block1);
    uintptr_t tp2 = skiff_tls_tp_offset(block2);
    CHECK(tp1 >= block1 && tp1 + sizeof(uintptr_t) <= block1 + size); /* variant I: tp1 == block1 */
    CHECK(*(uintptr_t *)tp1 == tp1 && *(uintptr_t *)tp2 == tp2);

    CHECK(skiff_set_tls_base(tp1) == SKIFF_R_OK);
    CHECK(vars_are(0x1111, 'i', 0));
    set_vars(1, 'A');
    CHECK(skiff_set_tls_base(tp2) == SKIFF_R_OK);
    CHECK(vars_are(0x1111, 'i', 0));
    set_vars(2, 'B');
    CHECK(get_counter() == 2);
    CHECK(skiff_set_tls_base(tp1) == SKIFF_R_OK);
    CHECK(vars_are(1, 'A', 1));
    CHECK(skiff_set_tls_base(tp2) == SKIFF_R_OK);
    CHECK(vars_are(2, 'B', 2));
    return test_success();
}
