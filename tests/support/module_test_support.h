// Helpers to build manifests and run modules through their lifecycle in tender unit tests.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "hypercall/poll.h"
#include "hypercall/table.h"
#include "manifest/manifest.h"
#include "memory/guest_memory.h"
#include "memory/layout.h"
#include "modules/module.h"
#include "modules/module_set.h"
#include "skiff/abi/ring.h"
#include "vcpu/run_control.h"

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

inline Module* module_named(const ModuleList& modules, const std::string& name) {
    for (const auto& m : modules)
        if (name == m->name()) return m.get();
    return nullptr;
}

// The compiled-in modules configured and opened against a guest memory of `visible` bytes (plus
// room for a net and a block ring), as main() does before the vCPU exists.
class ModuleHarness {
  public:
    static constexpr uint64_t kVisible = 4ull << 20;

    void open(const Manifest& declared, const std::vector<ModuleOption>& options) {
        manifest = declared;
        entries = manifest.entries;
        modules.configure("test.elf", manifest, options);
        const MemoryLayout layout = guest_memory_layout(kVisible, modules.reservations());
        modules.open(OpenContext{mem, table, entries, poll, 0}, layout);
    }

    RunControl control;
    GuestMemory mem{kVisible, 2 * SKIFF_RING_RESERVATION};
    HypercallTable table;
    PollSet poll{control.wake_fd()};
    Manifest manifest;
    std::vector<skiff_manifest_entry> entries;
    ModuleSet modules{compiled_modules()};
};

}  // namespace skiff::test
