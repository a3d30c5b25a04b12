/* Network devices: NET_WRITE / NET_READ hypercalls (guest-abi.md §5.7, §5.8). The ring I/O
 * feature (§6) is deliberately not used. */
#include "bindings.h"
#include "hypercall.h"

skiff_result_t skiff_net_acquire(const char *name, skiff_handle_t *handle, struct skiff_net_info *info)
{
    skiff_handle_t h;
    const struct skiff_manifest_entry *e = skiff_manifest_find(name, SKIFF_DEV_NET_BASIC, &h);
    if (e == NULL || handle == NULL || info == NULL)
        return SKIFF_R_EINVAL;
    memcpy(info->mac_address, e->u.net_basic.mac, SKIFF_NET_ALEN);
    info->mtu = e->u.net_basic.mtu;
    *handle = h;
    return SKIFF_R_OK;
}

skiff_result_t skiff_net_write(skiff_handle_t handle, const uint8_t *buf, size_t size)
{
    if (skiff_manifest_entry_of(handle, SKIFF_DEV_NET_BASIC) == NULL)
        return SKIFF_R_EINVAL;
    volatile struct skiff_hc_net_io arg = {
        .handle = handle, .data = (uint64_t)(uintptr_t)buf, .len = size, .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(SKIFF_HC_NET_WRITE, &arg);
    return (skiff_result_t)arg.ret;
}

skiff_result_t skiff_net_read(skiff_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    if (skiff_manifest_entry_of(handle, SKIFF_DEV_NET_BASIC) == NULL || read_size == NULL)
        return SKIFF_R_EINVAL;
    volatile struct skiff_hc_net_io arg = {
        .handle = handle, .data = (uint64_t)(uintptr_t)buf, .len = size, .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(SKIFF_HC_NET_READ, &arg);
    if (arg.ret == SKIFF_HC_OK)
        *read_size = arg.len;
    return (skiff_result_t)arg.ret;
}
