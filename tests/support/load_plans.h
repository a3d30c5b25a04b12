// Load plans for the page-table tests of both architectures, without an ELF file behind them.
#pragma once

#include "elf/elf_image.h"

namespace skiff::test_plans {

inline PlacedSegment placed(uint64_t start, uint64_t end, uint32_t flags) {
    return PlacedSegment{Segment{0, start, 0, end - start, end - start, 0x1000, flags}, start, end};
}

// text 0x100000-0x103000 (R+X), rodata 0x103000-0x105000 (R), data 0x105000-0x107000 (R+W)
inline LoadPlan typical_plan() {
    return LoadPlan{0x100000,
                    0x107000,
                    {placed(0x100000, 0x103000, kSegmentRead | kSegmentExec), placed(0x103000, 0x105000, kSegmentRead),
                     placed(0x105000, 0x107000, kSegmentRead | kSegmentWrite)}};
}

}  // namespace skiff::test_plans
