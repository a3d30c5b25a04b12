// The operator's --FLAG:NAME=VALUE options checked against the manifest, before anything is opened:
// every declared device is bound exactly once, nothing undeclared, unknown or duplicated is accepted.
#pragma once

#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "modules/module.h"

namespace skiff {

// One --FLAG:NAME=VALUE option as given.
struct DeviceOption {
    std::string flag;
    std::string name;
    std::string value;
};

// The bindings of one module whose device type the manifest declares.
struct ModuleBindings {
    DeviceModule* module;
    std::vector<DeviceBinding> bindings;
};

// Throws UsageError naming the image, the device and the option at the first problem. `image`
// names the unikernel in messages.
std::vector<ModuleBindings> bind_devices(const std::string& image, const Manifest& manifest,
                                         const std::vector<DeviceOption>& options, const ModuleList& modules);

}  // namespace skiff
