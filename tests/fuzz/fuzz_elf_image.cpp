// libFuzzer target: a whole unikernel file through the ELF loader, both notes and the placement
// in a 512 MiB guest, as the tender does before it creates the VM.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/error.h"
#include "elf/elf_image.h"
#include "manifest/manifest.h"

namespace {

constexpr uint64_t kGuestMemory = 512ull * 1024 * 1024;

// A placed image must lie inside guest memory, above the minimum load address, in order.
void check_plan(const skiff::LoadPlan& plan) {
    uint64_t previous_end = 0;
    for (const skiff::PlacedSegment& s : plan.segments) {
        if (s.start < 0x100000 || s.end > kGuestMemory || s.start > s.end || s.start < previous_end) __builtin_trap();
        previous_end = s.end;
    }
    if (plan.entry < 0x100000 || plan.entry >= kGuestMemory) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const skiff::ElfImage image = skiff::ElfImage::from_bytes("fuzz", std::vector<uint8_t>(data, data + size));
        // Every accepted segment's bytes can be read (a bounded prefix: the fuzzer's files are small).
        std::vector<uint8_t> bytes;
        for (const skiff::Segment& s : image.segments()) {
            bytes.resize(std::min<uint64_t>(s.filesz, size));
            image.read(s.offset, bytes);
        }
        try {
            (void)skiff::load_manifest(image);
        } catch (const skiff::ImageError&) {
        }
        check_plan(image.plan(kGuestMemory));
    } catch (const skiff::ImageError&) {
    }
    return 0;
}
