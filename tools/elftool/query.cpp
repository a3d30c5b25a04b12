#include "query.h"

#include <elf.h>

#include <array>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "elf/elf_image.h"
#include "manifest/manifest.h"

namespace skiff::elftool {
namespace {

using ordered_json = nlohmann::ordered_json;

// abi_target values of docs/guest-abi.md §2.2, index = value.
constexpr std::array<const char*, 7> kTargetNames = {nullptr, "hvt", "spt", "virtio", "muen", "genode", "xen"};

std::string pretty(const ordered_json& doc) {
    return doc.dump(2) + "\n";
}

}  // namespace

std::string query_manifest(const std::string& path) {
    const Manifest manifest = find_manifest(ElfImage::open(path));
    ordered_json devices = ordered_json::array();
    for (const Device& d : manifest.devices) devices.push_back({{"name", d.name}, {"type", device_type_name(d.type)}});
    return pretty({{"type", "solo5.manifest"}, {"version", SKIFF_MANIFEST_VERSION}, {"devices", devices}});
}

std::string query_abi(const std::string& path) {
    const ElfImage image = ElfImage::open(path);
    const AbiInfo abi = load_abi(image);
    if (abi.target == 0 || abi.target >= kTargetNames.size())
        throw ImageError(path + ": unknown ABI target " + std::to_string(abi.target));
    // ElfImage refuses every machine but these two.
    const char* machine = image.machine() == EM_AARCH64 ? "aarch64" : "x86_64";
    return pretty(
        {{"type", "solo5.abi"}, {"target", kTargetNames[abi.target]}, {"version", abi.version}, {"machine", machine}});
}

}  // namespace skiff::elftool
