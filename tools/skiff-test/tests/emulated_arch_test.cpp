// The emulated host's architecture (from the images or --arch) and the runner staged inside it.
#include "emulated_arch.h"

#include "scratch_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <array>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using skiff::test::choose_emulated_arch;
using skiff::test::choose_runner;
using skiff::test::elf_arch;
using skiff::test::HostArch;

// An executable file starting with an ELF header of that e_machine (62 x86_64, 183 aarch64).
fs::path write_elf(const fs::path& file, unsigned machine) {
    std::array<char, 64> header{0x7f, 'E', 'L', 'F', 2, 1, 1};
    header[16] = 2;  // ET_EXEC
    header[18] = char(machine & 0xff);
    header[19] = char(machine >> 8);
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary).write(header.data(), header.size());
    ::chmod(file.c_str(), 0755);
    return file;
}

TEST(SkiffTestEmulatedArch, ParsesBothNamesOfArm) {
    EXPECT_EQ(skiff::test::parse_arch("x86_64"), HostArch::x86_64);
    EXPECT_EQ(skiff::test::parse_arch("aarch64"), HostArch::aarch64);
    EXPECT_EQ(skiff::test::parse_arch("arm64"), HostArch::aarch64);
    EXPECT_FALSE(skiff::test::parse_arch("riscv64"));
    EXPECT_EQ(skiff::test::harness_arch_name(HostArch::aarch64), "arm64");
}

TEST(SkiffTestEmulatedArch, ReadsTheElfMachine) {
    skiff::tools::ScratchDir dir;
    EXPECT_EQ(elf_arch(write_elf(dir.path() / "x", 62)), HostArch::x86_64);
    EXPECT_EQ(elf_arch(write_elf(dir.path() / "a", 183)), HostArch::aarch64);
    EXPECT_FALSE(elf_arch(write_elf(dir.path() / "riscv", 243)));
    std::ofstream(dir.path() / "script.sh") << "echo hello\n";
    EXPECT_FALSE(elf_arch(dir.path() / "script.sh"));
    EXPECT_FALSE(elf_arch(dir.path() / "missing"));
}

TEST(SkiffTestEmulatedArch, TheImagesChoose) {
    const auto choice =
        choose_emulated_arch(std::nullopt, {{"a", HostArch::aarch64}, {"s", std::nullopt}}, HostArch::x86_64);
    EXPECT_EQ(choice.arch, HostArch::aarch64);
    EXPECT_EQ(choice.why, "aarch64 images");
}

TEST(SkiffTestEmulatedArch, NoElfImageMeansThisMachine) {
    EXPECT_EQ(choose_emulated_arch(std::nullopt, {{"s", std::nullopt}}, HostArch::x86_64).arch, HostArch::x86_64);
    EXPECT_EQ(choose_emulated_arch(std::nullopt, {}, HostArch::aarch64).arch, HostArch::aarch64);
}

TEST(SkiffTestEmulatedArch, BothArchitecturesAreAnErrorNamingOneOfEach) {
    const auto choice = choose_emulated_arch(
        std::nullopt, {{"x1", HostArch::x86_64}, {"a1", HostArch::aarch64}, {"x2", HostArch::x86_64}},
        HostArch::x86_64);
    EXPECT_FALSE(choice.arch);
    EXPECT_EQ(choice.error,
              "the tests' images are of two architectures (\"x1\" is x86_64, \"a1\" is aarch64): one emulated host "
              "runs one; run them separately, or choose with --arch");
}

TEST(SkiffTestEmulatedArch, ForcedWins) {
    const auto choice = choose_emulated_arch(HostArch::x86_64, {{"a", HostArch::aarch64}}, HostArch::x86_64);
    EXPECT_EQ(choice.arch, HostArch::x86_64);
    EXPECT_EQ(choice.why, "--arch x86_64");
}

TEST(SkiffTestEmulatedArch, RunnerIsThisOneForThisMachine) {
    const auto runner = choose_runner(HostArch::x86_64, HostArch::x86_64, "", "/self/skiff-test", "/b/skiff");
    EXPECT_EQ(runner.path, "/self/skiff-test");
}

TEST(SkiffTestEmulatedArch, ForeignRunnerBesideSkiffThenInTheCrossBuildTree) {
    skiff::tools::ScratchDir dir;
    const fs::path skiff = write_elf(dir.path() / "build-a64/src/skiff", 183);
    const fs::path tree = write_elf(dir.path() / "build-a64/tools/skiff-test/skiff-test", 183);
    EXPECT_EQ(choose_runner(HostArch::aarch64, HostArch::x86_64, "", "/self", skiff).path, tree);
    const fs::path beside = write_elf(dir.path() / "build-a64/src/skiff-test", 183);
    EXPECT_EQ(choose_runner(HostArch::aarch64, HostArch::x86_64, "", "/self", skiff).path, beside);
}

TEST(SkiffTestEmulatedArch, ForeignRunnerOfTheWrongMachineIsNotTaken) {
    skiff::tools::ScratchDir dir;
    const fs::path skiff = write_elf(dir.path() / "skiff", 183);
    write_elf(dir.path() / "skiff-test", 62);
    const auto runner = choose_runner(HostArch::aarch64, HostArch::x86_64, "", "/self", skiff);
    EXPECT_TRUE(runner.path.empty());
    EXPECT_NE(runner.error.find("give one with --runner PATH"), std::string::npos) << runner.error;
    EXPECT_NE(runner.error.find((dir.path() / "skiff-test").string()), std::string::npos) << runner.error;
}

TEST(SkiffTestEmulatedArch, RunnerFlagIsCheckedForItsMachine) {
    skiff::tools::ScratchDir dir;
    const fs::path x86 = write_elf(dir.path() / "x86-runner", 62);
    const auto wrong = choose_runner(HostArch::aarch64, HostArch::x86_64, x86.string(), "/self", "/b/skiff");
    EXPECT_EQ(wrong.error, "--runner " + x86.string() + " is an x86_64 executable; the emulated host is aarch64");
    const auto missing = choose_runner(HostArch::aarch64, HostArch::x86_64, "/nonexistent", "/self", "/b/skiff");
    EXPECT_EQ(missing.error, "/nonexistent: not an executable file (--runner)");
    const fs::path arm = write_elf(dir.path() / "arm-runner", 183);
    EXPECT_EQ(choose_runner(HostArch::aarch64, HostArch::x86_64, arm.string(), "/self", "/b/skiff").path, arm);
}

}  // namespace
