// Everything written into guest memory before the first instruction: the image, the GDT, the page
// tables, boot info, the manifest copy and the command line (guest-abi.md §1.2, §3, §4.2).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "elf/elf_image.h"
#include "memory/guest_memory.h"
#include "skiff/abi/manifest.h"

namespace skiff {

// --mem=MiB → bytes: rounded down to 2 MiB (0 becomes 2 MiB); over 4 GiB is a UsageError.
uint64_t guest_memory_size(uint64_t mib);

// The guest-visible size and the reservation above it: with a net device the allocation grows by
// the 2 MiB ring reservation, capped at 4 GiB, and the guest sees the allocation less 2 MiB
// (guest-abi.md §3).
struct MemoryLayout {
    uint64_t visible;
    uint64_t reserved;
};
MemoryLayout guest_memory_layout(uint64_t requested, bool net_ring);

// Refuses a guest command line that does not fit its 8 KiB area (NUL included).
void check_guest_command_line(const std::string& cmdline);

struct BootParams {
    uint64_t kernel_end;
    uint64_t tsc_hz;
    std::string cmdline;
    std::span<const skiff_manifest_entry> manifest;  // host fields filled in
    uint64_t net_ring = 0;                           // GPA of the active net ring, or 0 (no ring I/O)
};

// Copies the segments of `plan` into `mem` and applies their host protection.
void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan);

// Writes GDT, page tables, boot info, manifest copy and command line, and makes low memory
// read-only for hypercall output (the guest cannot write it either).
void write_boot_state(GuestMemory& mem, const LoadPlan& plan, const BootParams& params);

}  // namespace skiff
