// skiff-test reads an image's architecture from its ELF header.
#include "image_arch.h"

#include <elf.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using skiff::test::image_architecture;

// A file holding just an ELF header for `machine` (the rest of an image does not matter here).
fs::path header_file(const std::string& name, Elf64_Half machine, unsigned char elf_class = ELFCLASS64) {
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = elf_class;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_machine = machine;
    fs::path path = fs::temp_directory_path() / ("skiff_image_arch_test_" + name);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(&header), sizeof header);
    return path;
}

TEST(SkiffTestImageArch, NamesTheMachine) {
    EXPECT_EQ(image_architecture(header_file("x86", EM_X86_64)), "x86_64");
    EXPECT_EQ(image_architecture(header_file("a64", EM_AARCH64)), "aarch64");
}

TEST(SkiffTestImageArch, UnknownForOtherFiles) {
    EXPECT_EQ(image_architecture(header_file("riscv", EM_RISCV)), std::nullopt);
    EXPECT_EQ(image_architecture(header_file("elf32", EM_X86_64, ELFCLASS32)), std::nullopt);
    EXPECT_EQ(image_architecture("/nonexistent/image.elf"), std::nullopt);
    fs::path junk = fs::temp_directory_path() / "skiff_image_arch_test_junk";
    std::ofstream(junk, std::ios::binary) << std::string(100, 'x');
    EXPECT_EQ(image_architecture(junk), std::nullopt);
}

TEST(SkiffTestImageArch, KnowsItsOwnArchitecture) {
#if defined(__x86_64__)
    EXPECT_EQ(skiff::test::this_architecture(), "x86_64");
#elif defined(__aarch64__)
    EXPECT_EQ(skiff::test::this_architecture(), "aarch64");
#endif
}

}  // namespace
