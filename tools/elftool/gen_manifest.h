// skiff-elftool gen-manifest: the JSON manifest source (docs/guest-abi.md §2.6) to C source that
// declares the complete manifest note (§2.3).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace skiff::elftool {

struct DeclaredDevice {
    std::string name;
    DeviceType type;
};

// Validates a JSON manifest source read from `in` (named `source` in messages) and returns its
// devices in file order. Throws UsageError "SOURCE: .devices[2].name: problem".
std::vector<DeclaredDevice> read_manifest_source(std::istream& in, const std::string& source);

// C99 source declaring the manifest note of `devices` (entry 0 is added), in section
// .note.solo5.manifest. `source` is named in the header comment.
std::string manifest_c_source(const std::vector<DeclaredDevice>& devices, const std::string& source);

// The subcommand: `input` and `output` are paths, "-" meaning stdin / stdout.
void gen_manifest(const std::string& input, const std::string& output);

}  // namespace skiff::elftool
