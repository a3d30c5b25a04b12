// The guest's 4-level identity map, built before the vCPU starts, with the permissions of
// arch/page_map.h: 2 MiB pages where a region is uniform, else a 4 KiB page table.
#pragma once

#include <cstdint>

#include "elf/elf_image.h"
#include "memory/guest_memory.h"

namespace skiff::x86 {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteHuge = 1ull << 7;
inline constexpr uint64_t kPteNoExecute = 1ull << 63;

// Writes PML4, PDPT, page directories and page tables into `mem`, mapping [0, mem.mapped_size()):
// reservations above the guest-visible size are read/write, no-execute. The plan must have passed
// arch::check_plan.
void build_page_tables(GuestMemory& mem, const LoadPlan& plan);

// The leaf entry the guest sees for `gpa` (0 if not present); reads the tables back, for tests.
uint64_t lookup_pte(const GuestMemory& mem, uint64_t gpa);

}  // namespace skiff::x86
