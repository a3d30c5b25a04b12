/* skiff guest ABI: hypercalls (docs/guest-abi.md §5). A hypercall passes the argument structure's
 * GPA as one 32-bit access: on x86_64 an OUT to port SKIFF_HYPERCALL_PIO_BASE + nr, on aarch64 a
 * store to SKIFF_HYPERCALL_MMIO_ADDR(nr). C99, self-contained. */
#ifndef SKIFF_ABI_HYPERCALL_H
#define SKIFF_ABI_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "static_assert.h"

#define SKIFF_HYPERCALL_PIO_BASE 0x500u

enum skiff_hypercall_nr {
    SKIFF_HC_WALLTIME = 1,
    SKIFF_HC_PUTS = 2,
    SKIFF_HC_POLL = 3,
    SKIFF_HC_BLOCK_WRITE = 4,
    SKIFF_HC_BLOCK_READ = 5,
    SKIFF_HC_NET_WRITE = 6,
    SKIFF_HC_NET_READ = 7,
    SKIFF_HC_HALT = 8,
    SKIFF_HC_BLOCK_FLUSH = 9,   /* skiff: only where the block entry's flags offer it */
    SKIFF_HC_BLOCK_DISCARD = 10, /* skiff: likewise */
    SKIFF_HC_MAX = 11           /* one past the last */
};

#define SKIFF_HYPERCALL_PORT(nr) (SKIFF_HYPERCALL_PIO_BASE + (uint32_t)(nr))

/* aarch64: the MMIO window above guest RAM; a hypercall is a 4-byte store (`str wN`) at the base of
 * its 8-byte slot, nothing else. No memory slot backs the window, so every access leaves the guest. */
#define SKIFF_HYPERCALL_MMIO_BASE 0x100000000ull
#define SKIFF_HYPERCALL_MMIO_SIZE 0x40000000ull /* 1 GiB, mapped Device-nGnRE by the tender */
#define SKIFF_HYPERCALL_MMIO_ADDR(nr) (SKIFF_HYPERCALL_MMIO_BASE + ((uint64_t)(nr) << 3))
/* skiff's own vector table (SKIFF_A64_VECTORS_BASE) reports exception vector i with a store here + 8 * i */
#define SKIFF_A64_TRAP_MMIO 0x100000200ull

/* Result codes written to `ret` fields; the same values as the guest API. */
enum skiff_hc_result {
    SKIFF_HC_OK = 0,
    SKIFF_HC_AGAIN = 1,
    SKIFF_HC_EINVAL = 2,
    SKIFF_HC_EUNSPEC = 3,
    SKIFF_HC_EOPNOTSUPP = 4 /* skiff: the device cannot do it (a discard on a store without one) */
};

struct skiff_hc_walltime {
    uint64_t nsecs; /* out: CLOCK_REALTIME, ns since the epoch */
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_walltime) == 8, "WALLTIME is 8 bytes");

struct skiff_hc_puts {
    uint64_t data; /* GPA */
    uint64_t len;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_puts) == 16, "PUTS is 16 bytes");

struct skiff_hc_poll {
    uint64_t timeout_nsecs; /* in: relative */
    uint64_t ready_set;     /* out: bit i <=> net handle i readable */
    int32_t ret;            /* out: number of ready devices */
    uint32_t pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_poll) == 24, "POLL is 24 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_hc_poll, ret) == 16, "POLL ret at 16");

struct skiff_hc_block_io {
    uint64_t handle;
    uint64_t offset; /* bytes */
    uint64_t data;   /* GPA */
    uint64_t len;
    int32_t ret; /* out */
    uint32_t pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_block_io) == 40, "BLOCK_WRITE/READ is 40 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_hc_block_io, ret) == 32, "block ret at 32");

struct skiff_hc_net_io {
    uint64_t handle;
    uint64_t data; /* GPA */
    uint64_t len;  /* NET_READ: buffer size in, frame length out */
    int32_t ret;   /* out */
    uint32_t pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_net_io) == 32, "NET_WRITE/READ is 32 bytes");
SKIFF_STATIC_ASSERT(offsetof(struct skiff_hc_net_io, ret) == 24, "net ret at 24");

#define SKIFF_HALT_COOKIE_SIZE 512u

struct skiff_hc_halt {
    uint64_t cookie; /* GPA of a 512-byte area, or 0 */
    int32_t exit_status;
    uint32_t pad;
};
SKIFF_STATIC_ASSERT(sizeof(struct skiff_hc_halt) == 16, "HALT is 16 bytes");

#endif
