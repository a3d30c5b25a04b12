#include "manifest/manifest.h"

#include <cstring>
#include <set>
#include <stdexcept>
#include <utility>

#include "common/error.h"
#include "elf/elf_image.h"

namespace skiff {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw ImageError("invalid manifest: " + what);
}

std::string entry_label(size_t index) {
    return "manifest entry " + std::to_string(index);
}

// The payload of the first Solo5 note of `type`, with n_descsz checked per docs/guest-abi.md §2.1.
std::optional<std::span<const uint8_t>> find_note(const ElfImage& image, uint32_t type, uint32_t max_descsz,
                                                  uint32_t payload_offset) {
    for (const ElfNote& note : image.notes()) {
        if (note.name != SKIFF_NOTE_NAME || note.type != type) continue;
        const uint32_t padding = payload_offset - SKIFF_NOTE_HEADER_SIZE;
        if (note.desc.size() < 1 || note.desc.size() > max_descsz || note.desc.size() <= padding)
            throw ImageError(image.name() + ": note does not fall within valid size");
        return std::span<const uint8_t>(note.desc).subspan(padding);
    }
    return std::nullopt;
}

}  // namespace

const DeviceTypeInfo& device_type_info(DeviceType type) {
    for (const DeviceTypeInfo& info : kDeviceTypes)
        if (info.type == type) return info;
    throw std::logic_error("unknown device type " + std::to_string(uint32_t(type)));
}

std::optional<DeviceType> device_type_from_name(const std::string& abi_name) {
    for (const DeviceTypeInfo& info : kDeviceTypes)
        if (abi_name == info.abi_name) return info.type;
    return std::nullopt;
}

std::optional<DeviceType> device_type_from_abi(uint32_t abi_type) {
    for (const DeviceTypeInfo& info : kDeviceTypes)
        if (abi_type == uint32_t(info.type)) return info.type;
    return std::nullopt;
}

bool is_valid_device_name(const std::string& name) {
    if (name.empty() || name.size() > SKIFF_MANIFEST_NAME_MAX_LEN) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

const Device* Manifest::find(const std::string& name, DeviceType type) const {
    for (const Device& d : devices)
        if (d.name == name && d.type == type) return &d;
    return nullptr;
}

bool Manifest::declares(DeviceType type) const {
    for (const Device& d : devices)
        if (d.type == type) return true;
    return false;
}

Manifest parse_manifest(std::span<const uint8_t> payload) {
    if (payload.size() < sizeof(skiff_manifest)) fail("truncated header");
    skiff_manifest header;
    std::memcpy(&header, payload.data(), sizeof header);
    if (header.version != SKIFF_MANIFEST_VERSION) fail("unsupported version " + std::to_string(header.version));
    if (header.entries == 0) fail("no entries (the reserved entry 0 is missing)");
    if (header.entries > SKIFF_MANIFEST_MAX_ENTRIES)
        fail(std::to_string(header.entries) + " entries, maximum " + std::to_string(SKIFF_MANIFEST_MAX_ENTRIES));
    if (payload.size() != SKIFF_MANIFEST_SIZE(header.entries))
        fail("size " + std::to_string(payload.size()) + " does not match " + std::to_string(header.entries) +
             " entries");

    Manifest m;
    m.entries.resize(header.entries);
    std::memcpy(m.entries.data(), payload.data() + sizeof header, header.entries * sizeof(skiff_manifest_entry));
    std::set<std::pair<std::string, uint32_t>> seen;
    for (size_t i = 0; i < m.entries.size(); ++i) {
        const skiff_manifest_entry& e = m.entries[i];
        if (e.name[SKIFF_MANIFEST_NAME_SIZE - 1] != 0) fail(entry_label(i) + ": name is not NUL-terminated");
        if (e.attached != 0) fail(entry_label(i) + ": attached flag set in the image");
        const std::string name(e.name);
        if (i == 0) {
            if (e.type != SKIFF_DEV_RESERVED_FIRST || !name.empty()) fail("entry 0 is not the reserved entry");
            continue;
        }
        if (e.type >= SKIFF_DEV_RESERVED_FIRST) continue;  // reserved range: ignored, as Solo5 does
        const std::optional<DeviceType> type = device_type_from_abi(e.type);
        if (!type) fail(entry_label(i) + ": unknown device type " + std::to_string(e.type));
        if (!is_valid_device_name(name)) fail(entry_label(i) + ": device name must be 1-67 characters of [A-Za-z0-9]");
        if (!seen.emplace(name, e.type).second)
            fail("duplicate " + std::string(device_type_name(*type)) + " device '" + name + "'");
        m.devices.push_back(Device{name, *type, static_cast<uint32_t>(i)});
    }
    return m;
}

AbiInfo parse_abi(std::span<const uint8_t> payload) {
    if (payload.size() < 8) throw ImageError("ABI note too short");
    AbiInfo abi;
    std::memcpy(&abi.target, payload.data(), 4);
    std::memcpy(&abi.version, payload.data() + 4, 4);
    return abi;
}

AbiInfo load_abi(const ElfImage& image) {
    auto payload = find_note(image, SKIFF_NOTE_TYPE_ABI, SKIFF_ABI_NOTE_MAX_DESCSZ, SKIFF_ABI_NOTE_PAYLOAD_OFFSET);
    if (!payload) throw ImageError(image.name() + ": no Solo5 ABI note found in executable");
    try {
        return parse_abi(*payload);
    } catch (const ImageError& e) {
        throw with_context(image.name(), e);
    }
}

Manifest load_manifest(const ElfImage& image) {
    const AbiInfo abi = load_abi(image);
    if (abi.target != SKIFF_ABI_TARGET_HVT) throw ImageError(image.name() + ": executable is not for the hvt target");
    if (abi.version != SKIFF_ABI_VERSION)
        throw ImageError(image.name() + ": executable requests unsupported ABI version " + std::to_string(abi.version));
    return find_manifest(image);
}

Manifest find_manifest(const ElfImage& image) {
    auto payload =
        find_note(image, SKIFF_NOTE_TYPE_MANIFEST, SKIFF_MANIFEST_NOTE_MAX_DESCSZ, SKIFF_MANIFEST_NOTE_PAYLOAD_OFFSET);
    if (!payload) throw ImageError(image.name() + ": no Solo5 manifest found in executable");
    try {
        return parse_manifest(*payload);
    } catch (const ImageError& e) {
        throw with_context(image.name(), e);
    }
}

}  // namespace skiff
