// Which architecture the emulated KVM host runs (x86_64 or aarch64), and which skiff-test runs
// inside it: the suite's images say (their ELF e_machine) unless --arch forces one, and a runner
// for another architecture than this machine's must be a cross-built (static) skiff-test.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::test {

enum class HostArch { x86_64, aarch64 };

// "x86_64" or "aarch64" ("arm64", Debian's name, too).
std::optional<HostArch> parse_arch(std::string_view name);
// "x86_64" / "aarch64": skiff-test's names.
std::string_view arch_name(HostArch arch);
// "x86_64" / "arm64": the emulated-kvm scripts' (Debian's) names.
std::string_view harness_arch_name(HostArch arch);
// The architecture skiff-test was built for.
HostArch this_machine_arch();

// The architecture of an ELF file (e_machine EM_X86_64 or EM_AARCH64); nullopt for anything else,
// a file that is not ELF or cannot be read.
std::optional<HostArch> elf_arch(const std::filesystem::path& file);

struct ImageArch {
    std::string test;              // the test's name
    std::optional<HostArch> arch;  // nullopt: not an ELF of a known machine (says nothing)
};

struct ArchChoice {
    std::optional<HostArch> arch;  // nullopt: `error` says why
    std::string why;               // how it was chosen, for the backend line
    std::string error;
};

// --arch when given; else the one architecture the images have; else this machine's. Images of
// both architectures in one run are an error naming a test of each.
ArchChoice choose_emulated_arch(std::optional<HostArch> forced, const std::vector<ImageArch>& images, HostArch native);

struct RunnerChoice {
    std::filesystem::path path;  // empty: `error` says why
    std::string error;
};

// The skiff-test to stage inside an `arch` emulated host: --runner when given (it must be an
// `arch` executable); this one (`self`) when `arch` is this machine's; else a skiff-test beside
// `skiff`, then in <dir of skiff>/../tools/skiff-test/ (a cross build tree's place for it).
RunnerChoice choose_runner(HostArch arch, HostArch native, const std::string& runner_flag,
                           const std::filesystem::path& self, const std::filesystem::path& skiff);

// "" when `file` is not ELF or is one for `arch`; else one line saying it cannot run there.
std::string wrong_arch_problem(const std::filesystem::path& file, HostArch arch, std::string_view what);

}  // namespace skiff::test
