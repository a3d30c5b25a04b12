// The operator's command line: skiff [OPTIONS] UNIKERNEL [--] [GUEST ARGS...]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modules/module.h"

namespace skiff {

struct Options {
    uint64_t mem_mib = 512;
    bool host_cpu = false;                     // --cpu=host: every CPU feature KVM offers, no MSR filter
    std::vector<ModuleOption> module_options;  // every module option, in order
    std::string unikernel;
    std::vector<std::string> guest_args;
    bool dump_manifest = false;
    bool sandbox = true;
};

// Parses argv. Prints --help / --version and returns nullopt; throws UsageError for anything wrong.
std::optional<Options> parse_command_line(int argc, const char* const* argv, const ModuleList& modules);

// The guest command line: the guest arguments joined by single spaces.
std::string guest_command_line(const Options& options);

}  // namespace skiff
