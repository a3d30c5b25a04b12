// What the guest's identity map grants each page, whatever the architecture's descriptor format
// (docs/guest-abi.md §4.3): every page of a loaded segment carries that segment's permissions (text
// read+execute, rodata read-only, data read+write), everything else is never executable, and low
// memory stays as the ABI says. A 2 MiB region whose pages all share one permission (free memory, or
// the inside of a large segment) is one 2 MiB mapping; the others need a 4 KiB page table, which
// each architecture places from kExtraPageTablesBase up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "elf/elf_image.h"

namespace skiff::arch {

struct PagePermission {
    bool present = false;
    bool writable = false;
    bool executable = false;
    bool operator==(const PagePermission&) const = default;
};

// 4 KiB page tables for the 2 MiB regions a segment boundary splits live here, after the
// worst-case boot info area (which ends at 0x13A40); the guest does not see these pages.
inline constexpr uint64_t kExtraPageTablesBase = 0x20000;
inline constexpr uint64_t kExtraPageTablesEnd = 0x100000;
inline constexpr uint64_t kMaxExtraPageTables = (kExtraPageTablesEnd - kExtraPageTablesBase) / 0x1000;

// The permission of one 4 KiB page; `tables_end` is the end of the extra page tables in use.
PagePermission page_permission(const LoadPlan& plan, uint64_t gpa, uint64_t tables_end);

// The permission every page of 2 MiB region `region` shares, or nullopt when they differ (region
// 0 always differs: it holds low memory).
std::optional<PagePermission> region_permission(const LoadPlan& plan, uint64_t region);

// How many 4 KiB page tables beyond the first region's the plan needs.
uint64_t extra_page_tables(const LoadPlan& plan);

// Refuses (ImageError naming `image`) a plan whose split regions need more page tables than fit.
void check_page_tables_fit(const std::string& image, const LoadPlan& plan);

// The end of the extra page tables the plan uses; throws std::logic_error if they do not fit (the
// plan should have been refused by arch::check_plan).
uint64_t extra_page_tables_end(const LoadPlan& plan);

}  // namespace skiff::arch
