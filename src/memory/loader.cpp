#include "memory/loader.h"

namespace skiff {

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
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
