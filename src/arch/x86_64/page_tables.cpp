#include "arch/x86_64/page_tables.h"

#include <optional>
#include <stdexcept>
#include <utility>

#include "skiff/abi/boot.h"

namespace skiff::x86 {
namespace {

constexpr uint64_t kTableLink = kPtePresent | kPteWritable;
constexpr uint64_t kEntries = 512;
constexpr uint64_t kDirectories = 4;  // 4 GiB, the largest guest
constexpr uint64_t kAddressMask = 0x000FFFFFFFFFF000ull;
constexpr uint64_t kFreeMemory = kPtePresent | kPteWritable | kPteNoExecute;

// The permission bits of a page inside a segment with ELF flags `flags` (0 = not present).
uint64_t segment_bits(uint32_t flags) {
    if (flags == 0) return 0;
    uint64_t bits = kPtePresent;
    if (flags & kSegmentWrite) bits |= kPteWritable;
    if (!(flags & kSegmentExec)) bits |= kPteNoExecute;
    return bits;
}

// Permissions of one 4 KiB page: the fixed low-memory layout, then segments, else free memory.
uint64_t page_bits(const LoadPlan& plan, uint64_t gpa, uint64_t tables_end) {
    if (gpa < SKIFF_BOOT_INFO_BASE) return 0;  // zero page, GDT, page tables
    if (gpa >= kExtraPageTablesBase && gpa < tables_end) return 0;
    if (gpa < SKIFF_MIN_LOAD_ADDR) return kPtePresent | kPteNoExecute;  // boot info, manifest, cmdline
    for (const PlacedSegment& s : plan.segments)
        if (gpa >= s.start && gpa < s.end) return segment_bits(s.segment.flags);
    return kFreeMemory;
}

// The bits every page of 2 MiB region `region` shares, or nullopt when they differ (region 0
// always differs: it holds low memory).
std::optional<uint64_t> uniform_bits(const LoadPlan& plan, uint64_t region) {
    if (region == 0) return std::nullopt;
    const uint64_t start = region * SKIFF_HUGE_PAGE_SIZE, end = start + SKIFF_HUGE_PAGE_SIZE;
    for (const PlacedSegment& s : plan.segments) {
        if (s.end <= start || s.start >= end) continue;
        if (s.start <= start && s.end >= end) return segment_bits(s.segment.flags);
        return std::nullopt;  // a segment boundary splits the region
    }
    return kFreeMemory;
}

uint64_t regions_of(const GuestMemory& mem) {
    return mem.mapped_size() / SKIFF_HUGE_PAGE_SIZE;
}

}  // namespace

uint64_t extra_page_tables(const LoadPlan& plan) {
    uint64_t count = 0;
    for (uint64_t r = 1; r < SKIFF_MEM_MAX / SKIFF_HUGE_PAGE_SIZE; ++r) count += !uniform_bits(plan, r);
    return count;
}

void build_page_tables(GuestMemory& mem, const LoadPlan& plan) {
    const uint64_t tables_end = kExtraPageTablesBase + extra_page_tables(plan) * SKIFF_PAGE_SIZE;
    if (tables_end > kExtraPageTablesEnd) throw std::logic_error("page tables: the plan was not checked");

    mem.write_setup<uint64_t>(SKIFF_PML4_BASE, SKIFF_PDPT_BASE | kTableLink);
    for (uint64_t d = 0; d < kDirectories; ++d)
        mem.write_setup<uint64_t>(SKIFF_PDPT_BASE + d * 8, (SKIFF_PD_BASE + d * SKIFF_PAGE_SIZE) | kTableLink);

    uint64_t next_table = kExtraPageTablesBase;
    for (uint64_t r = 0; r < regions_of(mem); ++r) {
        const uint64_t base = r * SKIFF_HUGE_PAGE_SIZE;
        uint64_t pde;
        if (const std::optional<uint64_t> bits = uniform_bits(plan, r)) {
            pde = *bits ? base | *bits | kPteHuge : 0;
        } else {
            const uint64_t table = r == 0 ? SKIFF_PT0_BASE : std::exchange(next_table, next_table + SKIFF_PAGE_SIZE);
            for (uint64_t i = 0; i < kEntries; ++i) {
                const uint64_t gpa = base + i * SKIFF_PAGE_SIZE;
                const uint64_t bits = page_bits(plan, gpa, tables_end);
                mem.write_setup<uint64_t>(table + i * 8, bits ? gpa | bits : 0);
            }
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

}  // namespace skiff::x86
