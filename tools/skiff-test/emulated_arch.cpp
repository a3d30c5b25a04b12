#include "emulated_arch.h"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <fstream>

namespace skiff::test {
namespace {

namespace fs = std::filesystem;

constexpr std::uint16_t em_x86_64 = 62;
constexpr std::uint16_t em_aarch64 = 183;

bool is_executable(const fs::path& file) {
    return fs::is_regular_file(file) && ::access(file.c_str(), X_OK) == 0;
}

// The first test of each architecture, for the error that names both.
std::optional<std::string> first_test_of(const std::vector<ImageArch>& images, HostArch arch) {
    for (const auto& image : images)
        if (image.arch == arch) return image.test;
    return std::nullopt;
}

}  // namespace

std::optional<HostArch> parse_arch(std::string_view name) {
    if (name == "x86_64") return HostArch::x86_64;
    if (name == "aarch64" || name == "arm64") return HostArch::aarch64;
    return std::nullopt;
}

std::string_view arch_name(HostArch arch) {
    return arch == HostArch::x86_64 ? "x86_64" : "aarch64";
}

std::string_view harness_arch_name(HostArch arch) {
    return arch == HostArch::x86_64 ? "x86_64" : "arm64";
}

HostArch this_machine_arch() {
#if defined(__aarch64__)
    return HostArch::aarch64;
#else
    return HostArch::x86_64;
#endif
}

std::optional<HostArch> elf_arch(const fs::path& file) {
    // e_ident (16 bytes), e_type (2), e_machine (2); ELFDATA2LSB: both machines are little-endian.
    std::array<unsigned char, 20> header{};
    std::ifstream in(file, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return std::nullopt;
    if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F' || header[5] != 1)
        return std::nullopt;
    const auto machine = static_cast<std::uint16_t>(header[18] | header[19] << 8);
    if (machine == em_x86_64) return HostArch::x86_64;
    if (machine == em_aarch64) return HostArch::aarch64;
    return std::nullopt;
}

ArchChoice choose_emulated_arch(std::optional<HostArch> forced, const std::vector<ImageArch>& images, HostArch native) {
    if (forced) return {forced, "--arch " + std::string(arch_name(*forced)), {}};
    const auto x86 = first_test_of(images, HostArch::x86_64);
    const auto arm = first_test_of(images, HostArch::aarch64);
    if (x86 && arm)
        return {std::nullopt,
                {},
                "the tests' images are of two architectures (\"" + *x86 + "\" is x86_64, \"" + *arm +
                    "\" is aarch64): one emulated host runs one; run them separately, or choose with --arch"};
    if (x86) return {HostArch::x86_64, "x86_64 images", {}};
    if (arm) return {HostArch::aarch64, "aarch64 images", {}};
    return {native, "no ELF image says otherwise: this machine's", {}};
}

std::string wrong_arch_problem(const fs::path& file, HostArch arch, std::string_view what) {
    const auto actual = elf_arch(file);
    if (!actual || *actual == arch) return {};
    return std::string(what) + " " + file.string() + " is an " + std::string(arch_name(*actual)) +
           " executable; the emulated host is " + std::string(arch_name(arch));
}

RunnerChoice choose_runner(HostArch arch, HostArch native, const std::string& runner_flag, const fs::path& self,
                           const fs::path& skiff) {
    if (!runner_flag.empty()) {
        if (!is_executable(runner_flag)) return {{}, runner_flag + ": not an executable file (--runner)"};
        if (auto problem = wrong_arch_problem(runner_flag, arch, "--runner"); !problem.empty()) return {{}, problem};
        return {runner_flag, {}};
    }
    if (arch == native) return {self, {}};
    const fs::path dir = fs::absolute(skiff).parent_path();
    const std::array<fs::path, 2> candidates = {dir / "skiff-test", dir.parent_path() / "tools/skiff-test/skiff-test"};
    for (const auto& candidate : candidates)
        if (is_executable(candidate) && elf_arch(candidate) == arch) return {candidate, {}};
    return {{},
            "the emulated " + std::string(arch_name(arch)) + " host needs an " + std::string(arch_name(arch)) +
                " skiff-test to run inside it, and none is at " + candidates[0].string() + " or " +
                candidates[1].string() + ": give one with --runner PATH (a static cross build, -DSKIFF_STATIC=ON)"};
}

}  // namespace skiff::test
