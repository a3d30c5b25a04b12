// The guest's 4-level identity map, built before the vCPU starts. Stricter than Solo5's (guest-abi.md
// §4.3): every page of a loaded segment carries that segment's permissions (text read+execute, rodata
// read-only, data read+write), everything else is no-execute, and low memory stays as the ABI says.
#pragma once

#include <cstdint>

#include "elf/elf_image.h"
#include "memory/guest_memory.h"

namespace skiff {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteHuge = 1ull << 7;
inline constexpr uint64_t kPteNoExecute = 1ull << 63;

// 4 KiB page tables for 2 MiB regions that hold segments live here, after the worst-case boot info
// area (which ends at 0x13A40); the guest does not see these pages.
inline constexpr uint64_t kExtraPageTablesBase = 0x20000;
inline constexpr uint64_t kExtraPageTablesEnd = 0x100000;

// Writes PML4, PDPT, page directories and page tables into `mem`, mapping [0, mem.mapped_size()):
// the ring reservation above the guest-visible size is read/write, no-execute.
// Throws ImageError if the image spans more 2 MiB regions than there is room for page tables.
void build_page_tables(GuestMemory& mem, const LoadPlan& plan);

// The leaf entry the guest sees for `gpa` (0 if not present); reads the tables back, for tests.
uint64_t lookup_pte(const GuestMemory& mem, uint64_t gpa);

}  // namespace skiff
