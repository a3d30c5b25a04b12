#include "modules/device_bindings.h"

#include <algorithm>

#include "common/error.h"

namespace skiff {
namespace {

// "net" for NET_BASIC: how messages name a device type.
std::string kind(DeviceType type) {
    return type == DeviceType::Net ? "net" : "block";
}

DeviceModule* module_of(const ModuleList& modules, DeviceType type) {
    for (const auto& m : modules)
        if (m->type() == type) return m.get();
    return nullptr;
}

DeviceModule* module_with_flag(const ModuleList& modules, const std::string& flag) {
    for (const auto& m : modules)
        for (const OptionSpec& o : m->options())
            if (o.flag == flag) return m.get();
    return nullptr;
}

}  // namespace

std::vector<ModuleBindings> bind_devices(const std::string& image, const Manifest& manifest,
                                         const std::vector<DeviceOption>& options, const ModuleList& modules) {
    for (const Device& d : manifest.devices)
        if (!module_of(modules, d.type))
            throw UsageError(image + " declares " + kind(d.type) + " device '" + d.name +
                             "' but this skiff was built without the " + kind(d.type) + " module");

    std::vector<ModuleBindings> result;
    auto binding_for = [&](DeviceModule* m, const Device& d) -> DeviceBinding& {
        auto group = std::find_if(result.begin(), result.end(), [&](const ModuleBindings& g) { return g.module == m; });
        if (group == result.end()) group = result.insert(result.end(), ModuleBindings{m, {}});
        auto b = std::find_if(group->bindings.begin(), group->bindings.end(),
                              [&](const DeviceBinding& x) { return x.device.handle == d.handle; });
        if (b == group->bindings.end()) b = group->bindings.insert(group->bindings.end(), DeviceBinding{d, {}});
        return *b;
    };

    for (const DeviceOption& o : options) {
        const std::string opt = "--" + o.flag + ":" + o.name;
        DeviceModule* m = module_with_flag(modules, o.flag);
        if (!m) throw UsageError("unknown option " + opt);
        const Device* d = manifest.find(o.name, m->type());
        if (!d) {
            const DeviceType other = m->type() == DeviceType::Net ? DeviceType::Block : DeviceType::Net;
            if (const Device* wrong = manifest.find(o.name, other))
                throw UsageError(opt + ": '" + o.name + "' is a " + kind(wrong->type) + " device in " + image +
                                 ", not a " + kind(m->type()) + " device");
            throw UsageError(opt + ": " + image + " declares no " + kind(m->type()) + " device '" + o.name + "'");
        }
        DeviceBinding& b = binding_for(m, *d);
        if (!b.values.emplace(o.flag, o.value).second) throw UsageError(opt + " given twice");
    }

    for (const Device& d : manifest.devices) {
        DeviceModule* m = module_of(modules, d.type);
        const OptionSpec primary = m->options().front();
        DeviceBinding& b = binding_for(m, d);
        if (!b.value(primary.flag))
            throw UsageError(image + " declares " + kind(d.type) + " device '" + d.name + "' but no --" + primary.flag +
                             ":" + d.name + "=" + primary.metavar + " was given");
        m->check(b);
    }
    return result;
}

}  // namespace skiff
