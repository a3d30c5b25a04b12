// libFuzzer target: the manifest structure parser on arbitrary bytes (the note payload).
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"
#include "manifest/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        skiff::Manifest m = skiff::parse_manifest(std::span<const uint8_t>(data, size));
        // Whatever is accepted must satisfy the promises made to the tender.
        if (m.entries.empty() || m.entries.size() > SKIFF_MANIFEST_MAX_ENTRIES) __builtin_trap();
        for (const skiff::Device& d : m.devices)
            if (!skiff::is_valid_device_name(d.name) || d.handle == 0 || d.handle >= m.entries.size()) __builtin_trap();
    } catch (const skiff::ImageError&) {
    }
    return 0;
}
