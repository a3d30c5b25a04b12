// The devices of one module, by manifest handle: the one place a guest's handle is looked up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "skiff/abi/manifest.h"

namespace skiff {

template <typename Device>
class DeviceTable {
  public:
    // `kind` names the device type in faults: "handle 5 is not a net device".
    explicit DeviceTable(const char* kind) : kind_(kind) {}

    Device& add(uint32_t handle, Device device) { return devices_.at(handle).emplace(std::move(device)); }
    // Made in place (a device that cannot move: atomics, a mutex).
    Device& add(uint32_t handle) { return devices_.at(handle).emplace(); }

    // The device behind a guest-given handle, or nullptr.
    Device* find(uint64_t handle) {
        return handle < devices_.size() && devices_[handle] ? &*devices_[handle] : nullptr;
    }
    const Device* find(uint64_t handle) const {
        return handle < devices_.size() && devices_[handle] ? &*devices_[handle] : nullptr;
    }
    // The device behind a guest-given handle; any other handle is a guest fault.
    Device& at(uint64_t handle) {
        if (Device* d = find(handle)) return *d;
        throw GuestFault("handle " + std::to_string(handle) + " is not a " + kind_ + " device");
    }

    template <typename F>
    void for_each(F&& f) {
        for (auto& d : devices_)
            if (d) f(*d);
    }
    template <typename F>
    void for_each(F&& f) const {
        for (const auto& d : devices_)
            if (d) f(*d);
    }

  private:
    const char* kind_;
    std::array<std::optional<Device>, SKIFF_MANIFEST_MAX_ENTRIES> devices_{};
};

}  // namespace skiff
