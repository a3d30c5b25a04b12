/* The guest's side of a shared ring (docs/guest-abi.md §6), for net.c and block.c. */
#ifndef SKIFF_BINDINGS_RING_H
#define SKIFF_BINDINGS_RING_H

#include <stdint.h>

#include "skiff/abi/ring.h"

#define SKIFF_RING_SLOT_MASK (SKIFF_RING_SLOTS - 1u)

static inline void skiff_compiler_barrier(void) { __asm__ __volatile__("" : : : "memory"); }
static inline void skiff_full_barrier(void) { __asm__ __volatile__("mfence" : : : "memory"); }
static inline void skiff_cpu_relax(void) { __asm__ __volatile__("pause" : : : "memory"); }

/* Fills the next entry, publishes it and kicks the host thread (its ioeventfd at KICK_PORT) if it is
 * about to sleep. The caller has made sure a slot is free. */
static inline void skiff_ring_push(volatile struct skiff_ring *ring, uint16_t kick_port, uint32_t op,
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
    skiff_compiler_barrier(); /* x86 keeps stores in order: the entry is visible before the tail */
    ring->ent_tail = tail + 1;
    skiff_full_barrier(); /* pairs with the host's needs_kick store + fence + re-check */
    if (ring->needs_kick != 0)
        __asm__ __volatile__("outl %0, %1" : : "a"(0u), "d"(kick_port) : "memory");
}

#endif
