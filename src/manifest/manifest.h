// The manifest: every host resource a unikernel declares, decoded from its binary ELF note.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "skiff/abi/manifest.h"

namespace skiff {

class ElfImage;

enum class DeviceType : uint32_t { Block = SKIFF_DEV_BLOCK_BASIC, Net = SKIFF_DEV_NET_BASIC };

// The one table of device types: every other spelling of a type is looked up here.
struct DeviceTypeInfo {
    DeviceType type;
    const char* abi_name;  // "NET_BASIC": the manifest JSON and --dump-manifest
    const char* kind;      // "net": the module, its options and user messages
};
inline constexpr DeviceTypeInfo kDeviceTypes[] = {
    {DeviceType::Block, "BLOCK_BASIC", "block"},
    {DeviceType::Net, "NET_BASIC", "net"},
};

const DeviceTypeInfo& device_type_info(DeviceType type);
// "BLOCK_BASIC" / "NET_BASIC".
inline const char* device_type_name(DeviceType type) {
    return device_type_info(type).abi_name;
}
// "block" / "net".
inline const char* device_kind(DeviceType type) {
    return device_type_info(type).kind;
}
std::optional<DeviceType> device_type_from_name(const std::string& abi_name);
// The type of a manifest entry's `type` field, if it is a device type skiff knows.
std::optional<DeviceType> device_type_from_abi(uint32_t abi_type);

// True if `name` is 1-67 ASCII alphanumerics: the only names a manifest may declare.
bool is_valid_device_name(const std::string& name);

struct Device {
    std::string name;
    DeviceType type;
    uint32_t handle;  // index of its manifest entry, 1..63
};

struct Manifest {
    std::vector<Device> devices;                // declared devices, in entry order
    std::vector<skiff_manifest_entry> entries;  // all entries as found (entry 0 included)

    const Device* find(const std::string& name, DeviceType type) const;
    bool declares(DeviceType type) const;
};

struct AbiInfo {
    uint32_t target;
    uint32_t version;
};

// Decodes a manifest structure (the note payload, from `version` on). Throws ImageError with a
// message without file name; load_manifest() prefixes it.
Manifest parse_manifest(std::span<const uint8_t> payload);
AbiInfo parse_abi(std::span<const uint8_t> payload);

// Finds and validates both notes of `image`: the ABI note must say hvt, version 2.
Manifest load_manifest(const ElfImage& image);
// Finds and validates the manifest note alone, whatever the ABI note says (or if it is absent):
// for tools that inspect images of any target.
Manifest find_manifest(const ElfImage& image);
// Just the ABI note (for skiff-elftool query-abi); throws if absent or malformed.
AbiInfo load_abi(const ElfImage& image);

}  // namespace skiff
