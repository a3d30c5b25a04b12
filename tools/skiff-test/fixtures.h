// What a test asks the host to provide: scratch disk files, tap devices, a bridge. Each fixture
// removes itself when destroyed. Errors are std::runtime_error with one line naming the device.
#pragma once

#include "cleanup.h"
#include "spec.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace skiff::test {

// A zero-filled (sparse) file of disk.size bytes in `dir`; returns its path.
std::filesystem::path create_disk_file(const std::filesystem::path& dir, const DiskSpec& disk);

// A persistent tap device with a name skt<pid>t<n> (n chosen by the kernel), deleted on destruction.
class TapDevice {
  public:
    explicit TapDevice(const NicSpec& nic);  // configures host_ip/mtu and brings it up
    ~TapDevice();
    TapDevice(const TapDevice&) = delete;
    TapDevice& operator=(const TapDevice&) = delete;
    const std::string& name() const { return name_; }

  private:
    void remove();
    std::string name_;
    std::unique_ptr<tools::EmergencyCleanup> on_crash_;
};

// A bridge (sktbr<pid>) that the test's taps are enslaved to; deleted on destruction.
class Bridge {
  public:
    Bridge();
    ~Bridge();
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;
    void add(const TapDevice& tap);
    const std::string& name() const { return name_; }

  private:
    std::string name_;
    std::unique_ptr<tools::EmergencyCleanup> on_crash_;
};

// Whether this host can provide what "requires" names; the string says why not (empty: it can).
std::string missing_capability(const std::string& requirement);

}  // namespace skiff::test
