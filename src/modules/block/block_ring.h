// The block ring (docs/guest-abi.md §6.3): the guest queues reads, writes, flushes and discards for
// any of its block devices, the ring's thread carries them out (src/modules/block/disk.h) and posts
// one completion each, so many requests cost one kick and no exit.
#pragma once

#include <cstdint>

#include "memory/guest_memory.h"
#include "modules/block/disk.h"
#include "skiff/abi/ring.h"

namespace skiff {

// Serves the submissions pending now, as many as there is room for completions (the guest consumes
// them up to com_head), and returns how many. GuestFault for an entry the ABI makes fatal (an
// unknown operation, handle or alignment, a bad buffer), naming the ring.
uint32_t process_block_ring(skiff_ring& ring, GuestMemory& mem, Disks& disks);

}  // namespace skiff
