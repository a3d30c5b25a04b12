// The operator's module options checked against the manifest, before anything is opened: every
// declared device is bound exactly once; nothing undeclared, unknown or duplicated is accepted.
#pragma once

#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "modules/module.h"

namespace skiff {

// The request of one compiled-in module.
struct ModuleRequests {
    Module* module;
    ModuleRequest request;
};

// One entry per compiled module, in module order. Throws UsageError naming the image, the device
// and the option at the first problem; `image` names the unikernel in messages.
std::vector<ModuleRequests> bind_options(const std::string& image, const Manifest& manifest,
                                         const std::vector<ModuleOption>& options, const ModuleList& modules);

}  // namespace skiff
