#include "memory/page_tables.h"

#include <utility>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

constexpr uint64_t kTableLink = kPtePresent | kPteWritable;
constexpr uint64_t kEntries = 512;
constexpr uint64_t kDirectories = 4;  // 4 GiB, the largest guest
constexpr uint64_t kAddressMask = 0x000FFFFFFFFFF000ull;

bool overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end) {
    return a_start < b_end && b_start < a_end;
}

// Permissions of one 4 KiB page: segments first, then the fixed low-memory layout, else read/write data.
uint64_t page_entry(const LoadPlan& plan, uint64_t gpa, uint64_t tables_end) {
    if (gpa < SKIFF_BOOT_INFO_BASE) return 0;  // zero page, GDT, page tables
    if (gpa >= kExtraPageTablesBase && gpa < tables_end) return 0;
    if (gpa < SKIFF_MIN_LOAD_ADDR) return gpa | kPtePresent | kPteNoExecute;  // boot info, manifest, cmdline
    for (const PlacedSegment& s : plan.segments) {
        if (gpa < s.start || gpa >= s.end) continue;
        const uint32_t f = s.segment.flags;
        if (f == 0) return 0;
        uint64_t pte = gpa | kPtePresent;
        if (f & kSegmentWrite) pte |= kPteWritable;
        if (!(f & kSegmentExec)) pte |= kPteNoExecute;
        return pte;
    }
    return gpa | kPtePresent | kPteWritable | kPteNoExecute;
}

bool region_needs_small_pages(const LoadPlan& plan, uint64_t region) {
    if (region == 0) return true;
    const uint64_t start = region * SKIFF_HUGE_PAGE_SIZE;
    for (const PlacedSegment& s : plan.segments)
        if (overlaps(start, start + SKIFF_HUGE_PAGE_SIZE, s.start, s.end)) return true;
    return false;
}

}  // namespace

void build_page_tables(GuestMemory& mem, const LoadPlan& plan) {
    const uint64_t regions = mem.mapped_size() / SKIFF_HUGE_PAGE_SIZE;  // the ring reservation too
    uint64_t small_regions = 0;
    for (uint64_t r = 1; r < regions; ++r) small_regions += region_needs_small_pages(plan, r);
    const uint64_t tables_end = kExtraPageTablesBase + small_regions * SKIFF_PAGE_SIZE;
    if (tables_end > kExtraPageTablesEnd)
        throw ImageError("image spans too many 2 MiB regions for its page tables (at most " +
                         std::to_string((kExtraPageTablesEnd - kExtraPageTablesBase) / SKIFF_PAGE_SIZE) + ")");

    mem.write_setup<uint64_t>(SKIFF_PML4_BASE, SKIFF_PDPT_BASE | kTableLink);
    for (uint64_t d = 0; d < kDirectories; ++d)
        mem.write_setup<uint64_t>(SKIFF_PDPT_BASE + d * 8, (SKIFF_PD_BASE + d * SKIFF_PAGE_SIZE) | kTableLink);

    uint64_t next_table = kExtraPageTablesBase;
    for (uint64_t r = 0; r < regions; ++r) {
        const uint64_t region_base = r * SKIFF_HUGE_PAGE_SIZE;
        uint64_t pde = region_base | kPtePresent | kPteWritable | kPteHuge | kPteNoExecute;
        if (region_needs_small_pages(plan, r)) {
            const uint64_t table = r == 0 ? SKIFF_PT0_BASE : std::exchange(next_table, next_table + SKIFF_PAGE_SIZE);
            for (uint64_t i = 0; i < kEntries; ++i)
                mem.write_setup<uint64_t>(table + i * 8,
                                          page_entry(plan, region_base + i * SKIFF_PAGE_SIZE, tables_end));
            pde = table | kTableLink;
        }
        mem.write_setup<uint64_t>(SKIFF_PD_BASE + r * 8, pde);
    }
}

uint64_t lookup_pte(const GuestMemory& mem, uint64_t gpa) {
    auto entry = [&](uint64_t table, uint64_t index) { return mem.read<uint64_t>((table & kAddressMask) + index * 8); };
    const uint64_t pml4e = entry(SKIFF_PML4_BASE, (gpa >> 39) & 511);
    if (!(pml4e & kPtePresent)) return 0;
    const uint64_t pdpte = entry(pml4e, (gpa >> 30) & 511);
    if (!(pdpte & kPtePresent)) return 0;
    const uint64_t pde = entry(pdpte, (gpa >> 21) & 511);
    if (!(pde & kPtePresent) || (pde & kPteHuge)) return pde;
    return entry(pde, (gpa >> 12) & 511);
}

}  // namespace skiff
