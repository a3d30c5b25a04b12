/* Thread-local storage (docs/guest-abi.md §7): where the thread pointer and the TLS data sit in a
 * block is the architecture's TLS variant (cpu.h: x86_64 variant II, aarch64 variant I); the
 * control block's first word holds the thread pointer's own address on both. */
#include "bindings.h"
#include "cpu.h"

extern char _stdata[], _etdata[], _etbss[]; /* from skiff.lds */
extern char _skiff_tls_align[];             /* from skiff.lds: an absolute symbol, its value */

static size_t tdata_size(void)
{
    return (size_t)(_etdata - _stdata);
}

/* TLS data, any gap, TLS BSS and padding: PT_TLS's p_memsz. */
static size_t tls_image_size(void)
{
    return (size_t)(_etbss - _stdata);
}

static size_t tls_align(void)
{
    return (size_t)(uintptr_t)_skiff_tls_align;
}

skiff_result_t skiff_set_tls_base(uintptr_t base)
{
    skiff_cpu_set_thread_pointer(base);
    return SKIFF_R_OK;
}

size_t skiff_tls_size(void)
{
    return skiff_tls_block_size(tls_image_size(), tls_align());
}

uintptr_t skiff_tls_tp_offset(uintptr_t tls_block)
{
    return skiff_tls_thread_pointer(tls_block, tls_image_size(), tls_align());
}

skiff_result_t skiff_tls_init(uintptr_t tls_block)
{
    if (tls_block == 0)
        return SKIFF_R_EINVAL;
    uintptr_t tp = skiff_tls_tp_offset(tls_block);
    *(uintptr_t *)tp = tp;
    memcpy((void *)skiff_tls_data(tls_block, tls_image_size(), tls_align()), _stdata, tdata_size());
    return SKIFF_R_OK;
}
