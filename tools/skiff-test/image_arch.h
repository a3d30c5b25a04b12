// The architecture a guest image is for, from its ELF header, to leave out the tests of other
// architectures (a test's "arch").
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace skiff::test {

// "x86_64" or "aarch64" (e_machine EM_X86_64 or EM_AARCH64); nullopt when the file cannot be read,
// is no 64-bit little-endian ELF file, or is for another machine.
std::optional<std::string> image_architecture(const std::filesystem::path& image);

// The architecture skiff-test itself was built for, which is the one KVM here runs: what an image
// that cannot be read (not built for this architecture, say) is taken to be for.
std::string this_architecture();

}  // namespace skiff::test
