// skiff-elftool query-manifest / query-abi: what an image declares, as JSON.
#pragma once

#include <string>

namespace skiff::elftool {

// The manifest of the unikernel at `path` in the JSON manifest source format (non-reserved
// entries only), pretty-printed with a trailing newline. Works whatever the ABI note says.
std::string query_manifest(const std::string& path);

// {"type": "solo5.abi", "target": "hvt", "version": 2, "machine": "x86_64"} for the image at `path`
// ("machine": its e_machine, "x86_64" or "aarch64").
std::string query_abi(const std::string& path);

}  // namespace skiff::elftool
