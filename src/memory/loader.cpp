#include "memory/loader.h"

#include <algorithm>

namespace skiff {

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
    for (const PlacedSegment& p : plan.segments) {
        const Segment& s = p.segment;
        auto src = image.file_range(s.offset, s.filesz);
        std::copy(src.begin(), src.end(), mem.setup_span(s.vaddr, s.filesz).begin());
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
