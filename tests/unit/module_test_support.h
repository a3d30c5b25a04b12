// Helpers to build manifests and find modules in tender unit tests.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "modules/module.h"

namespace skiff::test {

// A manifest declaring `devices` (name, type) in order, entry 0 reserved.
inline Manifest manifest_of(const std::vector<std::pair<std::string, DeviceType>>& devices) {
    Manifest m;
    m.entries.resize(devices.size() + 1);
    m.entries[0].type = SKIFF_DEV_RESERVED_FIRST;
    for (size_t i = 0; i < devices.size(); ++i) {
        std::strncpy(m.entries[i + 1].name, devices[i].first.c_str(), SKIFF_MANIFEST_NAME_SIZE - 1);
        m.entries[i + 1].type = static_cast<uint32_t>(devices[i].second);
        m.devices.push_back(Device{devices[i].first, devices[i].second, static_cast<uint32_t>(i + 1)});
    }
    return m;
}

inline DeviceModule* module_named(const ModuleList& modules, const std::string& name) {
    for (const auto& m : modules)
        if (name == m->name()) return m.get();
    return nullptr;
}

}  // namespace skiff::test
