/* Block devices: BLOCK_WRITE / BLOCK_READ hypercalls, one block per call (docs/guest-abi.md §5.6, §7). */
#include "bindings.h"
#include "hypercall.h"

skiff_result_t skiff_block_acquire(const char *name, skiff_handle_t *handle, struct skiff_block_info *info)
{
    skiff_handle_t h;
    const struct skiff_manifest_entry *e = skiff_manifest_find(name, SKIFF_DEV_BLOCK_BASIC, &h);
    if (e == NULL || handle == NULL || info == NULL)
        return SKIFF_R_EINVAL;
    info->capacity = e->u.block_basic.capacity;
    info->block_size = e->u.block_basic.block_size;
    *handle = h;
    return SKIFF_R_OK;
}

/* The library's part of the contract: exactly one whole, aligned block. The tender checks the
 * range against the capacity. */
static int is_one_block(skiff_handle_t handle, skiff_off_t offset, size_t size)
{
    const struct skiff_manifest_entry *e = skiff_manifest_entry_of(handle, SKIFF_DEV_BLOCK_BASIC);
    if (e == NULL)
        return 0;
    uint64_t block_size = e->u.block_basic.block_size;
    return block_size != 0 && offset % block_size == 0 && size == block_size;
}

static skiff_result_t block_io(enum skiff_hypercall_nr nr, skiff_handle_t handle, skiff_off_t offset,
                               uintptr_t buf, size_t size)
{
    if (!is_one_block(handle, offset, size))
        return SKIFF_R_EINVAL;
    volatile struct skiff_hc_block_io arg = {
        .handle = handle, .offset = offset, .data = buf, .len = size, .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(nr, &arg);
    return (skiff_result_t)arg.ret;
}

skiff_result_t skiff_block_write(skiff_handle_t handle, skiff_off_t offset, const uint8_t *buf, size_t size)
{
    return block_io(SKIFF_HC_BLOCK_WRITE, handle, offset, (uintptr_t)buf, size);
}

skiff_result_t skiff_block_read(skiff_handle_t handle, skiff_off_t offset, uint8_t *buf, size_t size)
{
    return block_io(SKIFF_HC_BLOCK_READ, handle, offset, (uintptr_t)buf, size);
}
