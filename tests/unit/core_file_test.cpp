// The core file's layout, read back with libelf as gdb would: an ET_CORE with the notes in a
// PT_NOTE and each run of guest memory in a PT_LOAD at its guest address, holding its bytes.
#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <libelf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.h"
#include "modules/dumpcore/core_file.h"

namespace skiff {
namespace {

TEST(CoreFile, HoldsTheNotesAndEachRunAtItsGuestAddress) {
    GuestMemory mem(4 << 20);
    auto first = mem.setup_span(0x1000, 0x2000);
    std::memset(first.data(), 0xab, first.size());
    auto second = mem.setup_span(0x200000, 0x1000);
    std::memset(second.data(), 0xcd, second.size());
    const std::vector<GuestMemory::Run> runs{{0x1000, 0x3000}, {0x200000, 0x201000}};
    const std::vector<uint8_t> notes{1, 2, 3, 4, 5, 6, 7, 8};

    const CoreLayout layout = core_layout(EM_X86_64, notes, runs);
    UniqueFd fd(memfd_create("core", MFD_CLOEXEC));
    ASSERT_TRUE(write_core(fd.get(), layout, mem, runs));

    elf_version(EV_CURRENT);
    Elf* elf = elf_begin(fd.get(), ELF_C_READ, nullptr);
    ASSERT_NE(elf, nullptr) << elf_errmsg(-1);
    GElf_Ehdr eh;
    ASSERT_TRUE(gelf_getehdr(elf, &eh));
    EXPECT_EQ(eh.e_type, ET_CORE);
    EXPECT_EQ(eh.e_machine, EM_X86_64);
    size_t phnum = 0;
    ASSERT_EQ(elf_getphdrnum(elf, &phnum), 0);
    ASSERT_EQ(phnum, 3u);
    GElf_Phdr ph;
    ASSERT_TRUE(gelf_getphdr(elf, 0, &ph));
    EXPECT_EQ(ph.p_type, PT_NOTE);
    std::vector<uint8_t> read_notes(ph.p_filesz);
    ASSERT_EQ(pread(fd.get(), read_notes.data(), read_notes.size(), off_t(ph.p_offset)), ssize_t(read_notes.size()));
    EXPECT_EQ(read_notes, notes);
    for (size_t i = 0; i < runs.size(); ++i) {
        ASSERT_TRUE(gelf_getphdr(elf, int(i + 1), &ph));
        EXPECT_EQ(ph.p_type, PT_LOAD);
        EXPECT_EQ(ph.p_vaddr, runs[i].start);
        EXPECT_EQ(ph.p_filesz, runs[i].end - runs[i].start);
        EXPECT_EQ(ph.p_offset % 4096, 0u);
        std::vector<uint8_t> bytes(ph.p_filesz);
        ASSERT_EQ(pread(fd.get(), bytes.data(), bytes.size(), off_t(ph.p_offset)), ssize_t(bytes.size()));
        const auto expected = mem.translate(runs[i].start, bytes.size());
        EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), expected.begin())) << "run " << i;
    }
    elf_end(elf);
}

TEST(CoreFile, AFailedWriteIsReported) {
    GuestMemory mem(2 << 20);
    const std::vector<GuestMemory::Run> runs{{0, 0x1000}};
    const CoreLayout layout = core_layout(EM_X86_64, {}, runs);
    UniqueFd read_only(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(write_core(read_only.get(), layout, mem, runs));
}

TEST(GuestMemoryTouchedRuns, AreThePagesWritten) {
    GuestMemory mem(4 << 20);
    mem.setup_span(0x5000, 1)[0] = 1;
    mem.setup_span(0x6000, 1)[0] = 1;
    mem.setup_span(0x300000, 1)[0] = 1;
    const auto runs = mem.touched_runs();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].start, 0x5000u);
    EXPECT_EQ(runs[0].end, 0x7000u);
    EXPECT_EQ(runs[1].start, 0x300000u);
}

}  // namespace
}  // namespace skiff
