/* skiff guest ABI: the optional rings (docs/guest-abi.md §6). The net ring is offered when boot info
 * host_features has SKIFF_HOST_FEATURE_RING_IO (a NIC is attached and KVM offers ioeventfds), the
 * block ring when it has SKIFF_HOST_FEATURE_BLOCK_RING (a block device is attached). Both have this
 * layout. A guest may ignore them and use the hypercalls, which always work. C99, self-contained. */
#ifndef SKIFF_ABI_RING_H
#define SKIFF_ABI_RING_H

#include <stddef.h>
#include <stdint.h>

#include "static_assert.h"

#define SKIFF_RING_SLOTS 1024u
#define SKIFF_RING_BUFFER_SIZE 2048u /* per-slot guest data buffer */
#define SKIFF_RING_KICK_PORT 0x600u       /* the net ring's */
#define SKIFF_BLOCK_RING_KICK_PORT 0x601u /* the block ring's */
/* aarch64: the kicks are 4-byte stores into the hypercall window */
#define SKIFF_RING_KICK_MMIO 0x100000100ull       /* the net ring's */
#define SKIFF_BLOCK_RING_KICK_MMIO 0x100000108ull /* the block ring's */
#define SKIFF_RING_RESERVATION 0x200000ull /* reserved above mem_size per ring (net first, then block) */

enum skiff_ring_op {
    SKIFF_RING_NET_WRITE = 1,
    SKIFF_RING_NET_READ = 2,
    SKIFF_RING_BLOCK_READ = 3,    /* block ring only, as are the three below */
    SKIFF_RING_BLOCK_WRITE = 4,
    SKIFF_RING_BLOCK_FLUSH = 5,   /* every write completed before it is durable when it completes */
    SKIFF_RING_BLOCK_DISCARD = 6  /* the range's contents are no longer needed */
};

struct skiff_ring_submission {
    uint32_t operation; /* enum skiff_ring_op */
    uint32_t handle;
    uint64_t data; /* GPA */
    uint32_t len;
    uint32_t id;     /* guest-chosen tag, echoed in the completion */
    uint64_t offset; /* block operations: byte offset on the device; net operations: 0 */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ring_submission) == 32, "ring submission is 32 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_ring_submission, len) == 16, "submission len at 16");

struct skiff_ring_completion {
    uint32_t id;
    int32_t ret;  /* enum skiff_hc_result */
    uint32_t len; /* bytes transferred */
    uint32_t reserved;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ring_completion) == 16, "ring completion is 16 bytes");

struct skiff_ring {
    uint32_t ent_tail; /* guest: submissions produced */
    uint32_t com_head; /* guest: completions consumed */
    uint8_t pad0[56];
    uint32_t ent_head;   /* host: submissions consumed */
    uint32_t com_tail;   /* host: completions produced */
    uint32_t needs_kick; /* host: 1 while its thread is about to sleep */
    uint8_t pad1[52];
    struct skiff_ring_submission ent[SKIFF_RING_SLOTS];
    struct skiff_ring_completion com[SKIFF_RING_SLOTS];
};
SKIFF_STATIC_ASSERT(offsetof(struct skiff_ring, ent_head) == 64, "ent_head at 64");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_ring, needs_kick) == 72, "needs_kick at 72");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_ring, ent) == 128, "submissions at 128");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_ring, com) == 32896, "completions at 32896");
SKIFF_STATIC_ASSERT(sizeof(struct skiff_ring) == 49280, "ring is 49280 bytes");

#endif
