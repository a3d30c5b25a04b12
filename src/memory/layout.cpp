#include "memory/layout.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff {

uint64_t guest_memory_size(uint64_t mib) {
    if (mib > (SKIFF_MEM_MAX >> 20))
        throw UsageError("--mem=" + std::to_string(mib) + " exceeds the maximum of " +
                         std::to_string(SKIFF_MEM_MAX >> 20) + " MiB");
    const uint64_t bytes = (mib << 20) & ~(SKIFF_HUGE_PAGE_SIZE - 1);
    return std::max<uint64_t>(bytes, SKIFF_HUGE_PAGE_SIZE);
}

MemoryLayout guest_memory_layout(uint64_t requested, const std::vector<uint64_t>& reservations) {
    MemoryLayout layout;
    for (uint64_t size : reservations) layout.reserved += size;
    layout.visible = std::min<uint64_t>(requested, SKIFF_MEM_MAX - layout.reserved);
    uint64_t gpa = layout.visible;
    for (uint64_t size : reservations) {
        layout.reservations.push_back(gpa);
        gpa += size;
    }
    return layout;
}

}  // namespace skiff
