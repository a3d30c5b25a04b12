// What the guest finds in low memory at its first instruction (docs/guest-abi.md §3, §3.1): boot
// info, the filled-in manifest copy and the command line. The same on every architecture.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "memory/guest_memory.h"
#include "skiff/abi/manifest.h"

namespace skiff {

// Refuses a guest command line that does not fit its 8 KiB area (NUL included).
void check_guest_command_line(const std::string& cmdline);

// Features the enabled modules offer the guest through boot info.
struct BootFeatures {
    uint32_t host_features = 0;  // SKIFF_HOST_FEATURE_*
    uint64_t net_ring = 0;       // GPA of the active net ring, or 0
    uint64_t block_ring = 0;     // GPA of the active block ring (page-aligned), or 0
};

struct BootParams {
    uint64_t kernel_end;
    uint64_t cycle_frequency;
    std::string cmdline;
    std::span<const skiff_manifest_entry> manifest;  // host fields filled in
    BootFeatures features;
};

// Writes boot info, the manifest copy and the command line, and makes low memory read-only for
// hypercall output (the guest's page tables make it read-only for the guest too).
void write_boot_info(GuestMemory& mem, const BootParams& params);

}  // namespace skiff
