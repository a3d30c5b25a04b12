// A device module serves one manifest device type: it names its command-line options, checks the
// operator's values, opens host resources for each bound device and registers its hypercalls. Only
// modules whose type the manifest declares are ever attached; a module left out of SKIFF_MODULES has
// no code in the binary at all.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hypercall/hypercall_table.h"
#include "manifest/manifest.h"
#include "memory/guest_memory.h"
#include "modules/poll.h"

namespace skiff {

class SandboxPolicy;

// --FLAG:NAME=METAVAR
struct OptionSpec {
    std::string flag;
    std::string metavar;
    std::string help;
};

// One declared device and the operator's option values for it, keyed by flag.
struct DeviceBinding {
    Device device;
    std::map<std::string, std::string> values;

    const std::string* value(const std::string& flag) const;
};

struct AttachContext {
    GuestMemory& memory;
    HypercallTable& hypercalls;
    std::vector<skiff_manifest_entry>& entries;  // the manifest copy the guest will see
    PollSet& poll;
};

class DeviceModule {
  public:
    virtual ~DeviceModule() = default;
    virtual const char* name() const = 0;
    virtual DeviceType type() const = 0;
    // options()[0] binds a device and is required for every declared device; the rest are optional.
    virtual std::vector<OptionSpec> options() const = 0;
    // Checks the syntax and range of the option values; opens nothing. Throws UsageError.
    virtual void check(const DeviceBinding& binding) const = 0;
    // Opens host resources for every binding, fills their manifest entries, registers hypercalls.
    virtual void attach(const std::vector<DeviceBinding>& bindings, AttachContext& context) = 0;
    // Adds the system calls its hypercalls make on its host resources.
    virtual void allow(SandboxPolicy& policy) const = 0;
};

using ModuleList = std::vector<std::unique_ptr<DeviceModule>>;

// The modules compiled into this binary (SKIFF_MODULES).
ModuleList compiled_modules();

}  // namespace skiff
