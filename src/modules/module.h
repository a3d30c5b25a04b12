// A module is one optional capability of the tender (a device type such as net or block, or a
// debugging aid), compiled in with SKIFF_MODULES; a module left out has no code in the binary. It
// owns its whole lifecycle, which main() runs as phases over the enabled modules
// (src/modules/module_set.h) without naming any of them:
//
//   options    the flags it adds to the command line, shown under its name in --help
//   configure  the operator's options checked against the manifest into its typed configuration,
//              or one clear UsageError — before anything is opened
//   reserve    guest-physical space above guest RAM (a shared ring)
//   open       host resources (taps, files), its manifest entries filled in, its hypercalls and
//              the fds the guest may wait for registered
//   start      once the vCPU exists: threads, ioeventfds, features offered in boot info
//   allow      the system calls each of its threads needs, with their fd and ioctl arguments
//   observe    the run's start, debug exits, interruptions and ending (gdb, dumpcore)
//   stop       on every way out: sync, join, close; a failure here is reported (exit 254)
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hypercall/poll.h"
#include "hypercall/run_observer.h"
#include "hypercall/table.h"
#include "kvm/kvm.h"
#include "manifest/manifest.h"
#include "memory/boot_info.h"
#include "memory/guest_memory.h"

namespace skiff {

class KvmVcpu;
class RunControl;
class SandboxPolicy;

// --FLAG:NAME=METAVAR for a device option, --FLAG=METAVAR (or --FLAG alone) for a module's own.
struct OptionSpec {
    std::string flag;
    std::string metavar;  // empty: a switch without a value
    std::string help;
    bool per_device = true;
};

// One module option as the operator gave it; `device` is empty for the module's own flags.
struct ModuleOption {
    std::string flag;
    std::string device;
    std::string value;
};

// One declared device and the operator's option values for it, keyed by flag.
struct DeviceBinding {
    Device device;
    std::map<std::string, std::string> values;

    const std::string* value(const std::string& flag) const;
};

// What the operator asked of one module: its declared devices with their options, its own flags.
struct ModuleRequest {
    std::vector<DeviceBinding> devices;
    std::map<std::string, std::string> flags;
};

struct OpenContext {
    GuestMemory& memory;
    HypercallTable& hypercalls;
    std::span<skiff_manifest_entry> entries;  // the manifest copy the guest will see
    PollSet& poll;
    uint64_t reservation;  // GPA of the module's reservation (0 if it asked for none)
};

struct StartContext {
    const Kvm& kvm;
    Vm& vm;
    KvmVcpu& vcpu;
    GuestMemory& memory;
    RunControl& control;
    BootFeatures& features;  // what the guest is offered in boot info
};

class Module {
  public:
    virtual ~Module() = default;
    virtual const char* name() const = 0;
    // The manifest device type this module serves, if it is a device module.
    virtual std::optional<DeviceType> device_type() const { return std::nullopt; }
    // A device module's first option binds a device and is required for every declared device.
    virtual std::vector<OptionSpec> options() const = 0;

    // Checks and keeps the typed configuration; opens nothing. Returns whether the module takes
    // part in this run (a device module: the manifest declares its type).
    virtual bool configure(const ModuleRequest& request) = 0;
    // Bytes of guest-physical space (a multiple of 2 MiB) it needs above guest RAM.
    virtual uint64_t reservation() const { return 0; }
    virtual void open(OpenContext& context) = 0;
    virtual void start(StartContext& context) { (void)context; }
    virtual void allow(SandboxPolicy& policy) const { (void)policy; }
    // What watches the run (a debugger, core dumps), if anything.
    virtual RunObserver* observer() { return nullptr; }
    virtual void stop() {}
};

using ModuleList = std::vector<std::unique_ptr<Module>>;

// The modules compiled into this binary (SKIFF_MODULES), in a fixed order: net, block, ...
ModuleList compiled_modules();

}  // namespace skiff
