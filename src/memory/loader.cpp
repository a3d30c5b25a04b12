#include "memory/loader.h"

#include <algorithm>
#include <cstdint>

namespace skiff {

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (const PlacedSegment& p : plan.segments) lowest = std::min(lowest, p.start), highest = std::max(highest, p.end);
    if (lowest < highest) mem.prefer_huge_pages(lowest, highest);
    for (const PlacedSegment& p : plan.segments) {
        const Segment& s = p.segment;
        image.read(s.offset, mem.setup_span(s.vaddr, s.filesz));
    }
    for (const PlacedSegment& p : plan.segments) {
        const uint32_t f = p.segment.flags;
        if (f == 0)
            mem.protect_none(p.start, p.end);
        else if (!(f & kSegmentWrite))
            mem.protect_readonly(p.start, p.end, true);
    }
}

}  // namespace skiff
