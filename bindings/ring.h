/* The guest's side of a shared ring (docs/guest-abi.md §6), for net.c and block.c. */
#ifndef SKIFF_BINDINGS_RING_H
#define SKIFF_BINDINGS_RING_H

#include <stdint.h>

#include "cpu.h"
#include "skiff/abi/ring.h"

#define SKIFF_RING_SLOT_MASK (SKIFF_RING_SLOTS - 1u)

/* Fills the next entry, publishes it and kicks the host thread (its ioeventfd at KICK, one of cpu.h's
 * SKIFF_*_RING_KICK) if it is about to sleep. The caller has made sure a slot is free. */
static inline void skiff_ring_push(volatile struct skiff_ring *ring, uint64_t kick, uint32_t op,
                                   uint32_t handle, uint64_t data, uint32_t len, uint32_t id, uint64_t offset)
{
    uint32_t tail = ring->ent_tail;
    volatile struct skiff_ring_submission *e = &ring->ent[tail & SKIFF_RING_SLOT_MASK];
    e->operation = op;
    e->handle = handle;
    e->data = data;
    e->len = len;
    e->id = id;
    e->offset = offset;
    skiff_store_barrier(); /* the entry is visible before the tail */
    ring->ent_tail = tail + 1;
    skiff_full_barrier(); /* pairs with the host's needs_kick store + fence + re-check */
    if (ring->needs_kick != 0)
        skiff_cpu_ring_kick(kick);
}

#endif
