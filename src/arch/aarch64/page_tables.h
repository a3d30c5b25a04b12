// The aarch64 guest's identity map (docs/guest-abi.md, aarch64 §4.3): 4 KiB granule, walked from
// level 0, with the permissions of arch/page_map.h carried by the descriptors, so W^X holds inside
// the guest (text read+execute, rodata read-only, everything else never executable), plus the 1 GiB
// hypercall window as Device memory. Plain C++ on any host: unit tests build it on x86_64 too.
#pragma once

#include <cstdint>

#include "elf/elf_image.h"
#include "memory/guest_memory.h"

namespace skiff::aarch64 {

inline constexpr uint64_t kDescValid = 1ull << 0;
inline constexpr uint64_t kDescTable = 1ull << 1;     // in levels 0-2 (a page at level 3)
inline constexpr uint64_t kDescReadOnly = 1ull << 7;  // AP[2]: no writes at EL1
inline constexpr uint64_t kDescAccessed = 1ull << 10;
inline constexpr uint64_t kDescPrivilegedNoExecute = 1ull << 53;  // PXN
inline constexpr uint64_t kDescUserNoExecute = 1ull << 54;        // UXN
inline constexpr uint64_t kDescAttrDevice = 1ull << 2;            // MAIR index 1: Device-nGnRE
inline constexpr uint64_t kDescAttrNormal = 4ull << 2;            // MAIR index 4: Normal write-back
inline constexpr uint64_t kDescInnerShareable = 3ull << 8;

// Writes the level 0-3 tables and skiff's default vector table (aarch64/vectors.h) into `mem`, mapping [0,
// mem.mapped_size()) and the hypercall window. The plan must have passed arch::check_plan.
void build_page_tables(GuestMemory& mem, const LoadPlan& plan);

// The leaf descriptor the guest sees for `va` (0 if none); reads the tables back, for tests.
uint64_t lookup_descriptor(const GuestMemory& mem, uint64_t va);

}  // namespace skiff::aarch64
