#include "memory/boot_setup.h"

#include <algorithm>

#include "common/error.h"
#include "memory/page_tables.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/ring.h"

namespace skiff {

uint64_t guest_memory_size(uint64_t mib) {
    if (mib > (SKIFF_MEM_MAX >> 20))
        throw UsageError("--mem=" + std::to_string(mib) + " exceeds the maximum of " +
                         std::to_string(SKIFF_MEM_MAX >> 20) + " MiB");
    const uint64_t bytes = (mib << 20) & ~(SKIFF_HUGE_PAGE_SIZE - 1);
    return std::max<uint64_t>(bytes, SKIFF_HUGE_PAGE_SIZE);
}

MemoryLayout guest_memory_layout(uint64_t requested, bool net_ring) {
    if (!net_ring) return {requested, 0};
    const uint64_t allocation = std::min<uint64_t>(requested + SKIFF_RING_RESERVATION, SKIFF_MEM_MAX);
    return {allocation - SKIFF_RING_RESERVATION, SKIFF_RING_RESERVATION};
}

void check_guest_command_line(const std::string& cmdline) {
    if (cmdline.size() >= SKIFF_CMDLINE_SIZE)
        throw UsageError("guest command line too long (max " + std::to_string(SKIFF_CMDLINE_SIZE - 1) + " characters)");
}

void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan) {
    for (const PlacedSegment& p : plan.segments) {
        const Segment& s = p.segment;
        auto src = image.file_range(s.offset, s.filesz);
        std::copy(src.begin(), src.end(), mem.setup_span(s.vaddr, s.filesz).begin());
        // The rest up to memsz is already zero: the mapping is fresh anonymous memory.
    }
    for (const PlacedSegment& p : plan.segments) {
        const uint32_t f = p.segment.flags;
        if (f == 0)
            mem.protect_none(p.start, p.end);
        else if (!(f & kSegmentWrite))
            mem.protect_readonly(p.start, p.end, true);
    }
}

void write_boot_state(GuestMemory& mem, const LoadPlan& plan, const BootParams& params) {
    mem.write_setup<uint64_t>(SKIFF_GDT_BASE + 8, SKIFF_X86_GDT_CODE);
    mem.write_setup<uint64_t>(SKIFF_GDT_BASE + 16, SKIFF_X86_GDT_DATA);
    build_page_tables(mem, plan);

    const uint64_t manifest_size = SKIFF_MANIFEST_SIZE(params.manifest.size());
    const uint64_t cmdline_gpa = SKIFF_MANIFEST_COPY_BASE + manifest_size;
    check_guest_command_line(params.cmdline);

    skiff_boot_info info{};
    info.mem_size = mem.size();
    info.kernel_end = params.kernel_end;
    info.cpu_cycle_freq = params.tsc_hz;
    info.cmdline = cmdline_gpa;
    info.mft = SKIFF_MANIFEST_COPY_BASE;
    info.host_features = params.net_ring ? SKIFF_HOST_FEATURE_RING_IO : 0;
    info.net_ring = params.net_ring;
    mem.write_setup(SKIFF_BOOT_INFO_BASE, info);

    const skiff_manifest header{SKIFF_MANIFEST_VERSION, static_cast<uint32_t>(params.manifest.size())};
    mem.write_setup(SKIFF_MANIFEST_COPY_BASE, header);
    auto entries = std::as_bytes(params.manifest);
    auto dst = mem.setup_span(SKIFF_MANIFEST_COPY_BASE + sizeof header, entries.size());
    std::transform(entries.begin(), entries.end(), dst.begin(), [](std::byte b) { return uint8_t(b); });

    auto cmd = mem.setup_span(cmdline_gpa, params.cmdline.size() + 1);
    std::copy(params.cmdline.begin(), params.cmdline.end(), cmd.begin());
    cmd[params.cmdline.size()] = 0;

    mem.protect_readonly(0, SKIFF_MIN_LOAD_ADDR, false);
}

}  // namespace skiff
