/* Thread-local storage, x86_64 variant II: the TLS block ends at the thread pointer, and the word at
 * the thread pointer holds its own address (docs/guest-abi.md §7). skiff.lds pads .tbss so that the TLS
 * size is a multiple of its alignment, which makes block + size the thread pointer the linker's
 * offsets assume. */
#include "bindings.h"

extern char _stdata[], _etdata[], _etbss[]; /* from skiff.lds */

#define IA32_FS_BASE 0xC0000100u

static size_t tdata_size(void)
{
    return (size_t)(_etdata - _stdata);
}

/* TLS data, any gap, TLS BSS and padding: PT_TLS's p_memsz. */
static size_t tls_image_size(void)
{
    return (size_t)(_etbss - _stdata);
}

skiff_result_t skiff_set_tls_base(uintptr_t base)
{
    __asm__ __volatile__("wrmsr" : : "c"(IA32_FS_BASE), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
    return SKIFF_R_OK;
}

size_t skiff_tls_size(void)
{
    return tls_image_size() + sizeof(uintptr_t);
}

uintptr_t skiff_tls_tp_offset(uintptr_t tls_block)
{
    return tls_block + tls_image_size();
}

skiff_result_t skiff_tls_init(uintptr_t tls_block)
{
    if (tls_block == 0)
        return SKIFF_R_EINVAL;
    uintptr_t tp = skiff_tls_tp_offset(tls_block);
    *(uintptr_t *)tp = tp;
    memcpy((void *)tls_block, _stdata, tdata_size());
    return SKIFF_R_OK;
}
