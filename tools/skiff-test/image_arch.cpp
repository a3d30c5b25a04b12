#include "image_arch.h"

#include <elf.h>

#include <cstring>
#include <fstream>

namespace skiff::test {

std::optional<std::string> image_architecture(const std::filesystem::path& image) {
    Elf64_Ehdr header{};
    std::ifstream in(image, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return std::nullopt;
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
        header.e_ident[EI_DATA] != ELFDATA2LSB)
        return std::nullopt;
    switch (header.e_machine) {
        case EM_X86_64: return "x86_64";
        case EM_AARCH64: return "aarch64";
        default: return std::nullopt;
    }
}

std::string this_architecture() {
#if defined(__aarch64__)
    return "aarch64";
#else
    return "x86_64";
#endif
}

}  // namespace skiff::test
