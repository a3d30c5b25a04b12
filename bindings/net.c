/* Network devices (docs/guest-abi.md §5.7, §5.8, §6). When the tender offers ring I/O, frames travel
 * through the shared ring without a VM exit (one kick, cpu.h's SKIFF_NET_RING_KICK, only when the
 * host thread sleeps); otherwise, for frames that do not fit a ring buffer, and under `--skiff:no-ring`, each
 * frame is one NET_WRITE / NET_READ hypercall. */
#include "bindings.h"
#include "hypercall.h"
#include "ring.h"

#define SLOT_MASK SKIFF_RING_SLOT_MASK

/* Set by skiff_net_acquire(): NULL means hypercalls only. */
static volatile struct skiff_ring *ring;
static int ring_checked;

/* One guest-owned buffer per slot, so a caller may reuse its buffer as soon as a write returns.
 * 2 MiB: zero from the loader and always written before the host reads it, so it lies before
 * _sbss where _start does not clear it (skiff.lds). */
__attribute__((section(".bss.skiff_noclear"), aligned(4096)))
static uint8_t ring_buffers[SKIFF_RING_SLOTS][SKIFF_RING_BUFFER_SIZE];

static void ring_setup(void)
{
    const struct skiff_boot_info *bi = skiff_boot_info;
    ring_checked = 1;
    if (!skiff_no_ring && (bi->host_features & SKIFF_HOST_FEATURE_RING_IO) && bi->net_ring != 0)
        ring = (volatile struct skiff_ring *)(uintptr_t)bi->net_ring;
}

static void ring_submit(uint32_t op, skiff_handle_t handle, uint64_t data, uint32_t len, uint32_t id)
{
    skiff_ring_push(ring, SKIFF_NET_RING_KICK, op, (uint32_t)handle, data, len, id, 0);
}

/* Waits until the host has consumed enough entries for one more; returns its slot. */
static uint32_t ring_wait_for_slot(void)
{
    uint32_t tail = ring->ent_tail;
    while (tail - ring->ent_head >= SKIFF_RING_SLOTS - 1u)
        skiff_cpu_relax();
    return tail & SLOT_MASK;
}

static const struct skiff_manifest_entry *net_entry(skiff_handle_t handle)
{
    if (!ring_checked)
        ring_setup();
    return skiff_manifest_entry_of(handle, SKIFF_DEV_NET_BASIC);
}

skiff_result_t skiff_net_acquire(const char *name, skiff_handle_t *handle, struct skiff_net_info *info)
{
    skiff_handle_t h;
    const struct skiff_manifest_entry *e = skiff_manifest_find(name, SKIFF_DEV_NET_BASIC, &h);
    if (e == NULL || handle == NULL || info == NULL)
        return SKIFF_R_EINVAL;
    if (!ring_checked)
        ring_setup();
    memcpy(info->mac_address, e->u.net_basic.mac, SKIFF_NET_ALEN);
    info->mtu = e->u.net_basic.mtu;
    *handle = h;
    return SKIFF_R_OK;
}

skiff_result_t skiff_net_write(skiff_handle_t handle, const uint8_t *buf, size_t size)
{
    const struct skiff_manifest_entry *e = net_entry(handle);
    if (e == NULL)
        return SKIFF_R_EINVAL;
    /* The ring takes frames that fit its buffers and the MTU; the rest get the hypercall's answer. */
    if (ring != NULL && size > 0 && size <= SKIFF_RING_BUFFER_SIZE && size <= e->u.net_basic.mtu + 14u) {
        uint8_t *copy = ring_buffers[ring_wait_for_slot()];
        memcpy(copy, buf, size);
        ring_submit(SKIFF_RING_NET_WRITE, handle, (uint64_t)(uintptr_t)copy, (uint32_t)size, 0);
        return SKIFF_R_OK; /* writes get no completion */
    }
    volatile struct skiff_hc_net_io arg = {
        .handle = handle, .data = (uint64_t)(uintptr_t)buf, .len = size, .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(SKIFF_HC_NET_WRITE, &arg);
    return (skiff_result_t)arg.ret;
}

/* Synchronous: one read outstanding, the completion is awaited by spinning. */
static skiff_result_t ring_read(skiff_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    static uint32_t next_id;
    uint32_t id = ++next_id;
    (void)ring_wait_for_slot(); /* the frame goes straight to the caller's buffer */
    ring_submit(SKIFF_RING_NET_READ, handle, (uint64_t)(uintptr_t)buf, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)size, id);
    uint32_t head = ring->com_head;
    while (ring->com_tail == head)
        skiff_cpu_relax();
    skiff_load_barrier(); /* the completion is read after the tail */
    volatile struct skiff_ring_completion *c = &ring->com[head & SLOT_MASK];
    int32_t ret = c->ret;
    uint32_t len = c->len;
    uint32_t done_id = c->id;
    skiff_load_barrier(); /* ... and before the host may reuse its slot */
    ring->com_head = head + 1;
    if (done_id != id)
        return SKIFF_R_EUNSPEC;
    if (ret == SKIFF_HC_OK)
        *read_size = len;
    return (skiff_result_t)ret;
}

skiff_result_t skiff_net_read(skiff_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
    if (net_entry(handle) == NULL || read_size == NULL)
        return SKIFF_R_EINVAL;
    if (ring != NULL)
        return ring_read(handle, buf, size, read_size);
    volatile struct skiff_hc_net_io arg = {
        .handle = handle, .data = (uint64_t)(uintptr_t)buf, .len = size, .ret = SKIFF_HC_EUNSPEC};
    skiff_hypercall(SKIFF_HC_NET_READ, &arg);
    if (arg.ret == SKIFF_HC_OK)
        *read_size = arg.len;
    return (skiff_result_t)arg.ret;
}
