#include "memory/boot_info.h"

#include <algorithm>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff {

void check_guest_command_line(const std::string& cmdline) {
    if (cmdline.size() >= SKIFF_CMDLINE_SIZE)
        throw UsageError("guest command line too long (max " + std::to_string(SKIFF_CMDLINE_SIZE - 1) + " characters)");
}

void write_boot_info(GuestMemory& mem, const BootParams& params) {
    check_guest_command_line(params.cmdline);
    const uint64_t manifest_size = SKIFF_MANIFEST_SIZE(params.manifest.size());
    const uint64_t cmdline_gpa = SKIFF_MANIFEST_COPY_BASE + manifest_size;

    skiff_boot_info info{};
    info.mem_size = mem.size();
    info.kernel_end = params.kernel_end;
    info.cpu_cycle_freq = params.cycle_frequency;
    info.cmdline = cmdline_gpa;
    info.mft = SKIFF_MANIFEST_COPY_BASE;
    info.host_features = params.features.host_features;
    info.net_ring = params.features.net_ring;
    info.block_ring_page = uint32_t(params.features.block_ring >> 12);
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
