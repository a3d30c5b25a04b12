#include "arch/page_map.h"

#include <algorithm>
#include <stdexcept>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff::arch {
namespace {

constexpr PagePermission kFreeMemory{true, true, false};

PagePermission segment_permission(uint32_t flags) {
    if (flags == 0) return {};
    return {true, (flags & kSegmentWrite) != 0, (flags & kSegmentExec) != 0};
}

}  // namespace

PagePermission page_permission(const LoadPlan& plan, uint64_t gpa, uint64_t tables_end) {
    if (gpa < SKIFF_BOOT_INFO_BASE) return {};  // zero page, descriptor and page tables
    if (gpa >= kExtraPageTablesBase && gpa < tables_end) return {};
    if (gpa < SKIFF_MIN_LOAD_ADDR) return {true, false, false};  // boot info, manifest, cmdline
    for (const PlacedSegment& s : plan.segments)
        if (gpa >= s.start && gpa < s.end) return segment_permission(s.segment.flags);
    return kFreeMemory;
}

std::optional<PagePermission> region_permission(const LoadPlan& plan, uint64_t region) {
    if (region == 0) return std::nullopt;
    const uint64_t start = region * SKIFF_HUGE_PAGE_SIZE, end = start + SKIFF_HUGE_PAGE_SIZE;
    for (const PlacedSegment& s : plan.segments) {
        if (s.end <= start || s.start >= end) continue;
        if (s.start <= start && s.end >= end) return segment_permission(s.segment.flags);
        return std::nullopt;  // a segment boundary splits the region
    }
    return kFreeMemory;
}

uint64_t extra_page_tables(const LoadPlan& plan) {
    // Past the last segment every region is free memory: only the regions up to it can be split.
    uint64_t image_end = 0;
    for (const PlacedSegment& s : plan.segments) image_end = std::max(image_end, s.end);
    const uint64_t regions =
        (std::min<uint64_t>(image_end, SKIFF_MEM_MAX) + SKIFF_HUGE_PAGE_SIZE - 1) / SKIFF_HUGE_PAGE_SIZE;
    uint64_t count = 0;
    for (uint64_t r = 1; r < regions; ++r) count += !region_permission(plan, r);
    return count;
}

void check_page_tables_fit(const std::string& image, const LoadPlan& plan) {
    const uint64_t tables = extra_page_tables(plan);
    if (tables > kMaxExtraPageTables)
        throw ImageError(image + ": segment boundaries split " + std::to_string(tables) +
                         " 2 MiB regions; the page tables have room for " + std::to_string(kMaxExtraPageTables));
}

uint64_t extra_page_tables_end(const LoadPlan& plan) {
    const uint64_t end = kExtraPageTablesBase + extra_page_tables(plan) * SKIFF_PAGE_SIZE;
    if (end > kExtraPageTablesEnd) throw std::logic_error("page tables: the plan was not checked");
    return end;
}

}  // namespace skiff::arch
