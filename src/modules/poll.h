// The POLL hypercall: wait until a net device has input or the guest's timeout passes.
#pragma once

#include <cstdint>
#include <vector>

#include "hypercall/hypercall_table.h"
#include "memory/guest_memory.h"

namespace skiff {

// The host fds whose readiness the guest can wait for, with their handles.
struct PollSet {
    struct Source {
        uint32_t handle;
        int fd;
    };
    std::vector<Source> sources;
};

void register_poll(HypercallTable& table, GuestMemory& mem, const PollSet& poll);

}  // namespace skiff
