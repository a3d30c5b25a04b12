// ElfImage: header and program header validation, note discovery, and placement in guest memory
// (docs/guest-abi.md §1 and §2.1). Every rejection is checked by the exact line a user sees.
#include "elf/elf_image.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "common/error.h"
#include "elf_builder.h"
#include "image_error_of.h"

namespace skiff {
namespace {

using test::Bytes;
using test::ElfBuilder;
using test::error_of;

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kMem = 512 * kMiB;

ElfImage image_of(Bytes bytes) {
    return ElfImage::from_bytes("t.elf", std::move(bytes));
}

std::string parse_error(Bytes bytes) {
    return error_of([&] { image_of(std::move(bytes)); });
}

std::string plan_error(const ElfBuilder& b, uint64_t mem = kMem) {
    return error_of([&] { image_of(b.build()).plan(mem); });
}

ElfBuilder text_only() {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    return b;
}

Bytes bytes_of(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

TEST(ElfImage, AcceptsWellFormedImage) {
    ElfBuilder b;
    b.entry(0x100010);
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.load(0x101000, 0x800, PF_R | PF_W, 0x3000);
    ElfImage image = image_of(b.build());
    EXPECT_EQ(image.name(), "t.elf");
    EXPECT_EQ(image.entry(), 0x100010u);
    ASSERT_EQ(image.segments().size(), 2u);
    EXPECT_EQ(image.segments()[1].vaddr, 0x101000u);
    EXPECT_EQ(image.segments()[1].filesz, 0x800u);
    EXPECT_EQ(image.segments()[1].memsz, 0x3000u);
    EXPECT_EQ(image.segments()[1].flags, kSegmentRead | kSegmentWrite);

    LoadPlan plan = image.plan(kMem);
    EXPECT_EQ(plan.entry, 0x100010u);
    ASSERT_EQ(plan.segments.size(), 2u);
    EXPECT_EQ(plan.segments[0].start, 0x100000u);
    EXPECT_EQ(plan.segments[0].end, 0x101000u);
    EXPECT_EQ(plan.segments[1].end, 0x104000u);
    EXPECT_EQ(plan.kernel_end, 0x104000u);
}

TEST(ElfImage, SegmentDataIsReadable) {
    Bytes bytes = text_only().build();
    ElfImage image = image_of(bytes);
    const Segment& s = image.segments()[0];
    Bytes data(s.filesz);
    image.read(s.offset, data);
    EXPECT_EQ(data[0], 0xCC);
    Bytes eight(8), two(2);
    EXPECT_EQ(error_of([&] { image.read(bytes.size() - 4, eight); }), "t.elf: file range out of bounds");
    EXPECT_EQ(error_of([&] { image.read(std::numeric_limits<uint64_t>::max(), two); }),
              "t.elf: file range out of bounds");
}

// A file is read with pread where it lies: its headers and notes when opened, its segments when
// loaded; padding is never read. A 1 GiB sparse file opens as fast as the bare image.
TEST(ElfImage, AFileIsReadOnlyWhereItsHeadersNotesAndSegmentsAre) {
    ElfBuilder b = text_only();
    b.notes({test::abi_note()});
    const Bytes bytes = b.build();
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("skiff-padded-" + std::to_string(getpid()) + ".elf");
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    std::filesystem::resize_file(file, 1ull << 30);
    const auto start = std::chrono::steady_clock::now();
    const ElfImage image = ElfImage::open(file);
    Bytes text(image.segments()[0].filesz);
    image.read(image.segments()[0].offset, text);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    EXPECT_EQ(text[0], 0xCC);
    ASSERT_EQ(image.notes().size(), 1u);
    EXPECT_EQ(image.notes()[0].desc, test::abi_payload());
    std::filesystem::remove(file);
}

TEST(ElfImage, EntryPointMustBeInAnExecutableSegment) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.load(0x101000, 0x1000, PF_R | PF_W);
    b.entry(0x101000);
    EXPECT_EQ(error_of([&] { image_of(b.build()).plan(kMem); }),
              "t.elf: entry point 0x101000 is not in an executable segment");
    b.entry(0x100ff0);
    EXPECT_NO_THROW(image_of(b.build()).plan(kMem));
}

TEST(ElfImage, HugeNoteSegmentsAreRefused) {
    ElfBuilder b = text_only();
    b.notes({test::abi_note()});
    Bytes bytes = b.build();
    bytes.resize(bytes.size() + kMaxNoteSegment);
    test::edit_phdr(bytes, 1, [](Elf64_Phdr& ph) { ph.p_filesz = kMaxNoteSegment + 1; });
    EXPECT_EQ(parse_error(bytes), "t.elf: segment 1: notes of 65537 bytes (at most 65536)");
}

TEST(ElfImage, SkipsLoadSegmentsWithoutFileData) {
    // Solo5 images carry an empty TLS PT_LOAD at vaddr 0 and a BSS-only PT_LOAD (§1.2).
    ElfBuilder b = text_only();
    b.load(0, 0, PF_R);
    b.load(0x102000, 0, PF_R | PF_W, 0x200000);
    ElfImage image = image_of(b.build());
    ASSERT_EQ(image.segments().size(), 1u);
    EXPECT_EQ(image.plan(kMem).kernel_end, 0x101000u);
}

TEST(ElfImage, RejectsTooShortFile) {
    EXPECT_EQ(parse_error(Bytes(63, 0)), "t.elf: not an ELF file (too short)");
}

TEST(ElfImage, RejectsNonElfFile) {
    EXPECT_EQ(parse_error(Bytes(200, 'A')), "t.elf: not an ELF file");
}

TEST(ElfImage, Rejects32BitElf) {
    Bytes bytes = text_only().build();
    bytes[EI_CLASS] = ELFCLASS32;
    EXPECT_EQ(parse_error(bytes), "t.elf: not a 64-bit ELF file");
}

TEST(ElfImage, RejectsBigEndianElf) {
    Bytes bytes = text_only().build();
    bytes[EI_DATA] = ELFDATA2MSB;
    EXPECT_EQ(parse_error(bytes), "t.elf: not a little-endian ELF file");
}

TEST(ElfImage, RejectsUnknownElfVersion) {
    ElfBuilder b = text_only();
    b.ehdr().e_version = 7;
    EXPECT_EQ(parse_error(b.build()), "t.elf: unsupported ELF version");
}

TEST(ElfImage, RejectsWrongMachine) {
    ElfBuilder b = text_only();
    b.ehdr().e_machine = EM_386;
    EXPECT_EQ(parse_error(b.build()), "t.elf: not an x86_64 or aarch64 executable (e_machine 3)");
    b.ehdr().e_machine = EM_AARCH64;  // the tools read both; the tender runs its own architecture's
    EXPECT_EQ(image_of(b.build()).machine(), EM_AARCH64);
}

TEST(ElfImage, RejectsPositionIndependentExecutable) {
    ElfBuilder b = text_only();
    b.ehdr().e_type = ET_DYN;
    EXPECT_EQ(parse_error(b.build()), "t.elf: is position-independent (ET_DYN); link it static with -no-pie");
}

TEST(ElfImage, RejectsRelocatableObject) {
    ElfBuilder b = text_only();
    b.ehdr().e_type = ET_REL;
    EXPECT_EQ(parse_error(b.build()), "t.elf: not an executable (e_type 1)");
}

TEST(ElfImage, RejectsWrongHeaderSizes) {
    ElfBuilder b = text_only();
    b.ehdr().e_ehsize = 52;
    EXPECT_EQ(parse_error(b.build()), "t.elf: malformed ELF header sizes");
}

TEST(ElfImage, RejectsImageWithoutProgramHeaders) {
    EXPECT_EQ(parse_error(ElfBuilder().build()), "t.elf: has no program headers");
}

TEST(ElfImage, RejectsProgramHeaderTableOutsideFile) {
    Bytes bytes = text_only().build();
    test::edit_ehdr(bytes, [&](Elf64_Ehdr& eh) { eh.e_phoff = bytes.size() - 8; });
    EXPECT_EQ(parse_error(bytes), "t.elf: program header table lies outside the file");
    test::edit_ehdr(bytes, [](Elf64_Ehdr& eh) { eh.e_phoff = std::numeric_limits<uint64_t>::max() - 8; });
    EXPECT_EQ(parse_error(bytes), "t.elf: program header table lies outside the file");
}

TEST(ElfImage, RejectsSegmentDataOutsideFile) {
    Bytes bytes = text_only().build();
    test::edit_phdr(bytes, 0, [](Elf64_Phdr& ph) { ph.p_filesz += 1; });
    EXPECT_EQ(parse_error(bytes), "t.elf: segment 0: file data lies outside the file");
    test::edit_phdr(bytes, 0, [](Elf64_Phdr& ph) { ph.p_offset = std::numeric_limits<uint64_t>::max(); });
    EXPECT_EQ(parse_error(bytes), "t.elf: segment 0: file data lies outside the file");
}

TEST(ElfImage, RejectsImageWithoutLoadableSegment) {
    ElfBuilder b;
    b.notes({test::abi_note()});
    EXPECT_EQ(parse_error(b.build()), "t.elf: has no loadable segment");
}

TEST(ElfImage, RejectsDynamicSegment) {
    ElfBuilder b = text_only();
    b.segment(PT_DYNAMIC, PF_R | PF_W, Bytes(16, 0));
    EXPECT_EQ(parse_error(b.build()), "t.elf: is dynamically linked (PT_DYNAMIC); link it static");
}

TEST(ElfImage, RejectsSegmentBelowMinimumLoadAddress) {
    ElfBuilder b;
    b.load(0xFF000, 0x1000, PF_R | PF_X);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 is below the minimum load address 0x100000");
}

TEST(ElfImage, RejectsSegmentAlignedDownBelowMinimumLoadAddress) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X, 0, 0x200000);  // aligned down to 0
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 is below the minimum load address 0x100000");
}

TEST(ElfImage, RejectsSegmentsOutOfOrder) {
    ElfBuilder b;
    b.load(0x200000, 0x1000, PF_R | PF_X);
    b.load(0x100000, 0x1000, PF_R);
    EXPECT_EQ(plan_error(b), "t.elf: segment 1 is out of order (below segment 0)");
}

TEST(ElfImage, RejectsOverlappingSegments) {
    ElfBuilder b = text_only();
    b.load(0x200000, 0x1000, PF_R, 0x2000);
    b.load(0x201000, 0x1000, PF_R | PF_W);
    EXPECT_EQ(plan_error(b), "t.elf: segment 2 overlaps segment 1");
}

TEST(ElfImage, RejectsAlignmentThatIsNotAPowerOfTwo) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X, 0, 0x1800);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 has an alignment that is not a power of two");
    ElfBuilder zero;
    zero.load(0x100000, 0x1000, PF_R | PF_X, 0, 0);
    EXPECT_EQ(plan_error(zero), "t.elf: segment 0 has an alignment that is not a power of two");
}

TEST(ElfImage, RejectsSegmentNotPageAligned) {
    ElfBuilder b;
    b.load(0x100010, 0x1000, PF_R | PF_X, 0, 16);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 is not page-aligned");
}

TEST(ElfImage, RejectsMemorySizeSmallerThanFileSize) {
    ElfBuilder b;
    b.load(0x100000, 0x2000, PF_R | PF_X, 0x1000);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 has a memory size smaller than its file size");
}

TEST(ElfImage, RejectsSegmentWrappingAroundTheAddressSpace) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X, std::numeric_limits<uint64_t>::max() - 0x1000);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 does not fit in guest memory");
    ElfBuilder rounding;  // vaddr + memsz fits, rounding it up to p_align does not
    rounding.load(0x100000, 0x1000, PF_R | PF_X, std::numeric_limits<uint64_t>::max() - 0x100000);
    EXPECT_EQ(plan_error(rounding), "t.elf: segment 0 does not fit in guest memory");
}

TEST(ElfImage, RejectsSegmentBeyondMemorySize) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X, 0x200000);
    EXPECT_EQ(plan_error(b, 0x200000), "t.elf: segment 0 does not fit in guest memory");
    EXPECT_EQ(plan_error(b, 0x300000), "");
    ElfBuilder start;
    start.load(0x200000, 0x1000, PF_R);
    EXPECT_EQ(plan_error(start, 0x200000), "t.elf: segment 0 does not fit in guest memory");
}

TEST(ElfImage, RejectsWritableAndExecutableSegment) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_W | PF_X);
    EXPECT_EQ(plan_error(b), "t.elf: segment 0 requests WRITE and EXEC permissions");
}

TEST(ElfImage, RejectsEntryPointOutsideGuestMemory) {
    ElfBuilder low = text_only();
    low.entry(0xFFFFF);
    EXPECT_EQ(plan_error(low), "t.elf: entry point outside guest memory");
    ElfBuilder high = text_only();
    high.entry(kMem);
    EXPECT_EQ(plan_error(high), "t.elf: entry point outside guest memory");
    high.entry(kMem - 1);  // inside memory, but not in the text segment
    EXPECT_EQ(plan_error(high), "t.elf: entry point 0x1fffffff is not in an executable segment");
}

TEST(ElfImage, FindsSeveralNotesInOneSegment) {
    ElfBuilder b = text_only();
    b.notes({test::elf_note("OpenBSD", 1, Bytes(4, 0)), test::abi_note(),
             test::elf_note("GNU", NT_GNU_BUILD_ID, bytes_of("0123456789abcdefghi"))});
    ElfImage image = image_of(b.build());
    ASSERT_EQ(image.notes().size(), 3u);
    EXPECT_EQ(image.notes()[0].name, "OpenBSD");
    EXPECT_EQ(image.notes()[0].type, 1u);
    EXPECT_EQ(image.notes()[1].name, "Solo5");
    EXPECT_EQ(image.notes()[1].type, SKIFF_NOTE_TYPE_ABI);
    EXPECT_EQ(Bytes(image.notes()[1].desc.begin(), image.notes()[1].desc.end()), test::abi_payload());
    EXPECT_EQ(image.notes()[2].name, "GNU");
    EXPECT_EQ(image.notes()[2].desc.size(), 19u);  // unpadded n_descsz
    EXPECT_EQ(image.notes()[2].desc[18], 'i');
}

TEST(ElfImage, FindsNotesAcrossSegmentsInTableOrder) {
    ElfBuilder b = text_only();
    b.notes({test::elf_note("A", 10, bytes_of("aaaa"))});
    b.load(0x200000, 0x1000, PF_R);
    b.notes({test::elf_note("B", 20, bytes_of("bbbb")), test::elf_note("C", 30, {})});
    ElfImage image = image_of(b.build());
    ASSERT_EQ(image.notes().size(), 3u);
    EXPECT_EQ(image.notes()[0].name, "A");
    EXPECT_EQ(image.notes()[1].name, "B");
    EXPECT_EQ(image.notes()[1].desc[0], 'b');
    EXPECT_EQ(image.notes()[2].name, "C");
    EXPECT_TRUE(image.notes()[2].desc.empty());
}

TEST(ElfImage, AcceptsZeroPaddingAfterTheLastNote) {
    Bytes data = test::abi_note();
    data.resize(data.size() + 8, 0);
    ElfBuilder b = text_only();
    b.raw_note(data);
    EXPECT_EQ(image_of(b.build()).notes().size(), 1u);
}

TEST(ElfImage, RejectsTruncatedNote) {
    Bytes data = test::abi_note();
    data.resize(data.size() - 4);  // n_descsz now claims more than the segment holds
    ElfBuilder b = text_only();
    b.raw_note(data);
    EXPECT_EQ(parse_error(b.build()), "t.elf: segment 1: note does not fall within valid size");
}

TEST(ElfImage, RejectsNoteSegmentShorterThanANoteHeader) {
    ElfBuilder b = text_only();
    b.raw_note(Bytes(8, 0));
    EXPECT_EQ(parse_error(b.build()), "t.elf: segment 1: note does not fall within valid size");
}

TEST(ElfImage, RejectsNoteDataOutsideFile) {
    ElfBuilder b = text_only();
    b.notes({test::abi_note()});
    Bytes bytes = b.build();
    test::edit_phdr(bytes, 1, [](Elf64_Phdr& ph) { ph.p_filesz += 64; });
    EXPECT_EQ(parse_error(bytes), "t.elf: segment 1: note data lies outside the file");
}

TEST(ElfImage, OpenNamesAMissingFile) {
    EXPECT_EQ(error_of([] { ElfImage::open("/nonexistent/k.elf"); }), "/nonexistent/k.elf: No such file or directory");
}

}  // namespace
}  // namespace skiff
