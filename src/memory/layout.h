// How big guest memory is and what lies above the guest-visible part (docs/guest-abi.md §3):
// computed once, before anything is opened, from --mem and the reservations of the enabled modules.
#pragma once

#include <cstdint>
#include <vector>

namespace skiff {

// --mem=MiB → bytes: rounded down to a multiple of 2 MiB (0 and 1 become 2 MiB); over 4 GiB is a UsageError.
uint64_t guest_memory_size(uint64_t mib);

struct MemoryLayout {
    uint64_t visible = 0;                // guest RAM from GPA 0: the limit of every hypercall pointer
    std::vector<uint64_t> reservations;  // GPA of each requested reservation, in request order
    uint64_t reserved = 0;               // all reservations together, from GPA `visible` up
    uint64_t total() const { return visible + reserved; }
};

// Places `reservations` (sizes, multiples of 2 MiB) one after the other above the guest-visible
// memory. The whole allocation is capped at 4 GiB: reservations then take their room from the top
// of the requested memory, as Solo5 does for the net ring.
MemoryLayout guest_memory_layout(uint64_t requested, const std::vector<uint64_t>& reservations);

}  // namespace skiff
