#include "memory/loader.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace skiff {
namespace {

enum class Protection { None, ReadOnly, Writable };

Protection host_protection(uint32_t segment_flags) {
    if (segment_flags == 0) return Protection::None;
    return (segment_flags & kSegmentWrite) ? Protection::Writable : Protection::ReadOnly;
}

}  // namespace

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
    uint64_t lowest = UINT64_MAX, highest = 0;
    for (const PlacedSegment& p : plan.segments) lowest = std::min(lowest, p.start), highest = std::max(highest, p.end);
    if (lowest < highest) mem.prefer_huge_pages(lowest, highest);
    for (const PlacedSegment& p : plan.segments) {
        const Segment& s = p.segment;
        image.read(s.offset, mem.setup_span(s.vaddr, s.filesz));
    }
    // One mprotect per run of adjacent segments that share a protection (text, rodata and notes
    // are usually one run): each call splits the mapping and costs a TLB flush. The plan's
    // segments are in address order.
    const std::vector<PlacedSegment>& segments = plan.segments;
    for (size_t i = 0; i < segments.size();) {
        const Protection kind = host_protection(segments[i].segment.flags);
        const uint64_t start = segments[i].start;
        uint64_t end = segments[i].end;
        for (++i; i < segments.size() && segments[i].start == end && host_protection(segments[i].segment.flags) == kind;
             ++i)
            end = segments[i].end;
        if (kind == Protection::None)
            mem.protect_none(start, end);
        else if (kind == Protection::ReadOnly)
            mem.protect_readonly(start, end, true);
    }
}

}  // namespace skiff
