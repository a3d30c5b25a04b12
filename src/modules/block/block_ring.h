// The block ring (docs/guest-abi.md §6.3): the guest queues reads, writes, flushes and discards for
// any of its block devices, the ring's thread carries them out (src/modules/block/disk.h) and posts
// one completion each, so many requests cost one kick and no exit.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "memory/guest_memory.h"
#include "modules/block/disk.h"
#include "skiff/abi/ring.h"

namespace skiff {

// Serves the submissions pending now, as many as there is room for completions (the guest consumes
// them up to com_head), and returns how many. GuestFault for an entry the ABI makes fatal (an
// unknown operation, handle or alignment, a bad buffer), naming the ring.
uint32_t process_block_ring(skiff_ring& ring, GuestMemory& mem, Disks& disks);

// Carries out checked I/O, all of it at once, and gives each its result (results[i] for ios[i]).
// No two of them conflict, so any order of execution is the guest's order.
using BlockIoRound = std::function<void(std::span<const BlockIo> ios, std::span<BlockResult> results)>;

// What process_block_ring() does, with the same checks, results and faults, but the I/O of the
// pass goes to `run` in rounds: each the longest run of entries in which none conflicts with an
// earlier one (two requests on one disk that overlap and are not both reads; a flush after a
// write or discard). So the guest cannot tell from the order of §6.5, and a flush still covers
// the writes before it. Completions are posted in submission order once the I/O is done; a bad
// entry is thrown after the entries before it completed, as process_block_ring() would.
uint32_t process_block_ring_in_rounds(skiff_ring& ring, GuestMemory& mem, Disks& disks, const BlockIoRound& run);

}  // namespace skiff
