// The clock hypercall: WALLTIME reads the host's real-time clock (docs/guest-abi.md §5.3). The
// guest's monotonic clock needs no hypercall: it reads its cycle counter.
#pragma once

#include "hypercall/table.h"
#include "memory/guest_memory.h"

namespace skiff {

void register_clock(HypercallTable& table, GuestMemory& mem);

}  // namespace skiff
