#include "modules/dumpcore/core_file.h"

#include <elf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skiff {
namespace {

constexpr uint64_t kPage = 4096;

template <typename T>
void append(std::vector<uint8_t>& out, const T& value) {
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof value);
}

bool pwrite_all(int fd, const uint8_t* data, uint64_t size, uint64_t offset) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        data += n;
        size -= uint64_t(n);
        offset += uint64_t(n);
    }
    return true;
}

}  // namespace

CoreLayout core_layout(uint16_t machine, std::span<const uint8_t> notes, std::span<const GuestMemory::Run> runs) {
    CoreLayout layout;
    const uint64_t phnum = 1 + runs.size();
    const uint64_t notes_at = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    uint64_t data_at = (notes_at + notes.size() + kPage - 1) & ~(kPage - 1);

    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = uint16_t(phnum);  // runs of touched pages: far fewer than PN_XNUM in any guest
    append(layout.head, eh);

    Elf64_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_offset = notes_at;
    note.p_filesz = notes.size();
    note.p_align = 4;
    append(layout.head, note);
    for (const GuestMemory::Run& run : runs) {
        Elf64_Phdr load{};
        load.p_type = PT_LOAD;
        load.p_flags = PF_R | PF_W | PF_X;
        load.p_offset = data_at;
        load.p_vaddr = load.p_paddr = run.start;
        load.p_filesz = load.p_memsz = run.end - run.start;
        load.p_align = kPage;
        append(layout.head, load);
        layout.offsets.push_back(data_at);
        data_at += run.end - run.start;
    }
    layout.head.insert(layout.head.end(), notes.begin(), notes.end());
    return layout;
}

bool write_core(int fd, const CoreLayout& layout, const GuestMemory& memory, std::span<const GuestMemory::Run> runs) {
    if (!pwrite_all(fd, layout.head.data(), layout.head.size(), 0)) return false;
    for (size_t i = 0; i < runs.size(); ++i) {
        const auto bytes = memory.translate(runs[i].start, runs[i].end - runs[i].start);
        if (!pwrite_all(fd, bytes.data(), bytes.size(), layout.offsets[i])) return false;
    }
    return true;
}

}  // namespace skiff
