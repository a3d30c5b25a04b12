#include "memory/loader.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace skiff {

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (const PlacedSegment& p : plan.segments) lowest = std::min(lowest, p.start), highest = std::max(highest, p.end);
    if (lowest < highest) mem.prefer_huge_pages(lowest, highest);
    for (const PlacedSegment& p : plan.segments) {
        const Segment& s = p.segment;
        image.read(s.offset, mem.setup_span(s.vaddr, s.filesz));
    }
    // One mprotect per run of adjacent segments that share a protection (text, rodata and notes
    // are usually one run): each call splits the mapping and costs a TLB flush.
    std::vector<PlacedSegment> sorted = plan.segments;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    auto protection = [](uint32_t flags) { return flags == 0 ? 0 : (flags & kSegmentWrite) ? 2 : 1; };
    for (size_t i = 0; i < sorted.size();) {
        const int kind = protection(sorted[i].segment.flags);
        const uint64_t start = sorted[i].start;
        uint64_t end = sorted[i].end;
        for (++i; i < sorted.size() && sorted[i].start == end && protection(sorted[i].segment.flags) == kind; ++i)
            end = sorted[i].end;
        if (kind == 0)
            mem.protect_none(start, end);
        else if (kind == 1)
            mem.protect_readonly(start, end, true);
    }
}

}  // namespace skiff
