#include "modules/device_bindings.h"

#include <algorithm>

#include "common/error.h"

namespace skiff {
namespace {

Module* module_of(const ModuleList& modules, DeviceType type) {
    for (const auto& m : modules)
        if (m->device_type() == type) return m.get();
    return nullptr;
}

bool has_flag(const Module& module, const std::string& flag) {
    const std::vector<OptionSpec> specs = module.options();
    return std::any_of(specs.begin(), specs.end(), [&](const OptionSpec& o) { return o.flag == flag; });
}

// "it declares net 'service', block 'disk'; --dump-manifest lists them", or that it declares none.
std::string declared_devices(const Manifest& manifest) {
    if (manifest.devices.empty()) return "it declares no devices";
    std::string list;
    for (const Device& d : manifest.devices)
        list += (list.empty() ? "" : ", ") + std::string(device_kind(d.type)) + " '" + d.name + "'";
    return "it declares " + list + "; --dump-manifest lists them";
}

// "--net:extra: hello.elf declares no net device 'extra' (it declares ...)", or that it is a device of another type.
[[noreturn]] void undeclared(const std::string& option, const std::string& image, const Manifest& manifest,
                             const std::string& name, DeviceType wanted) {
    const auto other = std::find_if(std::begin(kDeviceTypes), std::end(kDeviceTypes), [&](const DeviceTypeInfo& t) {
        return t.type != wanted && manifest.find(name, t.type);
    });
    if (other != std::end(kDeviceTypes))
        throw UsageError(option + ": '" + name + "' is a " + other->kind + " device in " + image + ", not a " +
                         device_kind(wanted) + " device");
    std::string message = option;
    message += ": " + image + " declares no ";
    message += device_kind(wanted);
    message += " device '" + name + "' (";
    message += declared_devices(manifest) + ")";
    throw UsageError(message);
}

}  // namespace

const std::string* DeviceBinding::value(const std::string& flag) const {
    auto it = values.find(flag);
    return it == values.end() ? nullptr : &it->second;
}

std::vector<ModuleRequests> bind_options(const std::string& image, const Manifest& manifest,
                                         const std::vector<ModuleOption>& options, const ModuleList& modules) {
    for (const Device& d : manifest.devices)
        if (!module_of(modules, d.type))
            throw UsageError(image + " declares " + device_kind(d.type) + " device '" + d.name +
                             "' but this skiff was built without the " + device_kind(d.type) + " module");

    std::vector<ModuleRequests> result;
    for (const auto& m : modules) {
        ModuleRequests entry{m.get(), {}};
        for (const Device& d : manifest.devices)
            if (m->device_type() == d.type) entry.request.devices.push_back(DeviceBinding{d, {}});
        result.push_back(std::move(entry));
    }
    auto request_of = [&](const std::string& flag) -> ModuleRequests* {
        for (ModuleRequests& entry : result)
            if (has_flag(*entry.module, flag)) return &entry;
        return nullptr;
    };

    for (const ModuleOption& o : options) {
        ModuleRequests* entry = request_of(o.flag);
        if (!entry) throw UsageError("unknown option --" + o.flag);
        if (o.device.empty()) {
            if (!entry->request.flags.emplace(o.flag, o.value).second) throw UsageError("--" + o.flag + " given twice");
            continue;
        }
        const std::string opt = "--" + o.flag + ":" + o.device;
        const DeviceType type = *entry->module->device_type();
        auto& devices = entry->request.devices;
        auto b = std::find_if(devices.begin(), devices.end(),
                              [&](const DeviceBinding& x) { return x.device.name == o.device; });
        if (b == devices.end()) undeclared(opt, image, manifest, o.device, type);
        if (!b->values.emplace(o.flag, o.value).second) throw UsageError(opt + " given twice");
    }

    for (ModuleRequests& entry : result) {
        const std::vector<OptionSpec> specs = entry.module->options();
        for (const DeviceBinding& b : entry.request.devices) {
            const OptionSpec& primary = specs.front();
            if (!b.value(primary.flag))
                throw UsageError(image + " declares " + device_kind(b.device.type) + " device '" + b.device.name +
                                 "' but no --" + primary.flag + ":" + b.device.name + "=" + primary.metavar +
                                 " was given");
        }
    }
    return result;
}

}  // namespace skiff
