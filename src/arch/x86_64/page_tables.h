// The guest's 4-level identity map, built before the vCPU starts. Stricter than Solo5's
// (docs/guest-abi.md §4.3): every page of a loaded segment carries that segment's permissions (text
// read+execute, rodata read-only, data read+write), everything else is no-execute, and low memory
// stays as the ABI says. A 2 MiB region whose pages all share one permission (free memory, or the
// inside of a large segment) is one 2 MiB page; the others get a 4 KiB page table.
#pragma once

#include <cstdint>

#include "elf/elf_image.h"
#include "memory/guest_memory.h"

namespace skiff::x86 {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteHuge = 1ull << 7;
inline constexpr uint64_t kPteNoExecute = 1ull << 63;

// 4 KiB page tables for the 2 MiB regions a segment boundary splits live here, after the
// worst-case boot info area (which ends at 0x13A40); the guest does not see these pages.
inline constexpr uint64_t kExtraPageTablesBase = 0x20000;
inline constexpr uint64_t kExtraPageTablesEnd = 0x100000;
inline constexpr uint64_t kMaxExtraPageTables = (kExtraPageTablesEnd - kExtraPageTablesBase) / 0x1000;

// How many 4 KiB page tables beyond the first region's the plan needs.
uint64_t extra_page_tables(const LoadPlan& plan);

// Writes PML4, PDPT, page directories and page tables into `mem`, mapping [0, mem.mapped_size()):
// reservations above the guest-visible size are read/write, no-execute. The plan must have passed
// extra_page_tables() <= kMaxExtraPageTables (arch::check_plan).
void build_page_tables(GuestMemory& mem, const LoadPlan& plan);

// The leaf entry the guest sees for `gpa` (0 if not present); reads the tables back, for tests.
uint64_t lookup_pte(const GuestMemory& mem, uint64_t gpa);

}  // namespace skiff::x86
