// Writing a generated file so that a failure never leaves a partial or stale-looking output.
#pragma once

#include <string>

namespace skiff::elftool {

// Writes `contents` to `path` ("-" = stdout) through a temporary file in the same directory that
// is renamed over `path` only once complete. Throws UsageError naming `path`.
void write_output(const std::string& path, const std::string& contents);

}  // namespace skiff::elftool
