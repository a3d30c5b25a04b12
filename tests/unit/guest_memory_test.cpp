#include "memory/guest_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "common/error.h"
#include "elf_builder.h"
#include "memory/layout.h"
#include "memory/loader.h"

namespace skiff {
namespace {

constexpr uint64_t kSize = 2 << 20;

TEST(GuestMemory, TranslatesRangesInside) {
    GuestMemory mem(kSize);
    EXPECT_EQ(mem.translate(0, kSize).size(), kSize);
    EXPECT_EQ(mem.translate(kSize - 1, 1).size(), 1u);
    EXPECT_EQ(mem.translate(kSize, 0).size(), 0u);
}

TEST(GuestMemory, RefusesRangeStraddlingTheEnd) {
    GuestMemory mem(kSize);
    EXPECT_THROW(mem.translate(kSize - 1, 2), GuestFault);
}

TEST(GuestMemory, RefusesAddressPastTheEnd) {
    GuestMemory mem(kSize);
    EXPECT_THROW(mem.translate(kSize + 1, 0), GuestFault);
    EXPECT_THROW(mem.translate(UINT64_MAX, 1), GuestFault);
}

TEST(GuestMemory, RefusesLengthsThatWrapAround) {
    GuestMemory mem(kSize);
    EXPECT_THROW(mem.translate(0x1000, UINT64_MAX), GuestFault);
    EXPECT_THROW(mem.translate(0x1000, UINT64_MAX - 0xfff), GuestFault);
}

TEST(GuestMemory, FaultMessageNamesAddressAndLength) {
    GuestMemory mem(kSize);
    try {
        mem.translate(kSize - 1, 2);
        FAIL();
    } catch (const GuestFault& e) {
        EXPECT_STREQ(e.what(), "invalid guest access: gpa=0x1fffff, len=2 (outside guest memory)");
    }
}

TEST(GuestMemory, StartsZeroFilledAndRoundTripsValues) {
    GuestMemory mem(kSize);
    EXPECT_EQ(mem.read<uint64_t>(0x123450), 0u);
    mem.write<uint64_t>(0x123450, 0xfeedfacecafebeefull);
    EXPECT_EQ(mem.read<uint64_t>(0x123450), 0xfeedfacecafebeefull);
}

TEST(GuestMemory, RefusesHypercallWritesToReadOnlyRanges) {
    GuestMemory mem(kSize);
    mem.protect_readonly(0x100000, 0x102000, false);
    EXPECT_NO_THROW(mem.translate(0x100ff0, 0x20));
    EXPECT_THROW(mem.translate_writable(0x101ff0, 0x20), GuestFault);
    EXPECT_THROW(mem.write<uint32_t>(0x0fffffe, 0), GuestFault);
    EXPECT_NO_THROW(mem.write<uint32_t>(0x102000, 0));
}

TEST(GuestMemory, RefusesAnyAccessToNoAccessRanges) {
    GuestMemory mem(kSize);
    mem.protect_none(0x100000, 0x101000);
    EXPECT_THROW(mem.translate(0x100800, 8), GuestFault);
    EXPECT_NO_THROW(mem.translate(0x101000, 8));
}

TEST(GuestMemorySize, RoundsDownToTwoMiB) {
    EXPECT_EQ(guest_memory_size(512), 512ull << 20);
    EXPECT_EQ(guest_memory_size(3), 2ull << 20);
    EXPECT_EQ(guest_memory_size(1), 2ull << 20);
    EXPECT_EQ(guest_memory_size(4096), 4096ull << 20);
}

TEST(GuestMemorySize, RefusesMoreThanFourGiB) {
    try {
        guest_memory_size(4097);
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), "--mem=4097 exceeds the maximum of 4096 MiB");
    }
}

// An image with text, rodata and a note page side by side (one read-only run), data, a page
// without permissions and, after a gap, more rodata: load_image copies the bytes and protects
// each run, host copy included; writable pages stay writable.
class LoadImage : public ::testing::Test {
  protected:
    static constexpr uint64_t kMem = 8 << 20;
    void SetUp() override {
        const test::Bytes image = test::ElfBuilder()
                                      .load(0x100000, 0x1000, PF_R | PF_X)
                                      .load(0x101000, 0x1000, PF_R)
                                      .load(0x102000, 0x1000, PF_R)
                                      .load(0x103000, 0x1000, PF_R | PF_W)
                                      .load(0x104000, 0x1000, 0)
                                      .load(0x106000, 0x1000, PF_R)
                                      .build();
        elf = std::make_unique<ElfImage>(ElfImage::from_bytes("test.elf", image));
        load_image(mem, *elf, elf->plan(kMem));
    }
    GuestMemory mem{kMem};
    std::unique_ptr<ElfImage> elf;
};

TEST_F(LoadImage, CopiesEverySegment) {
    for (uint64_t page : {0x100000, 0x101000, 0x102000, 0x103000, 0x106000})
        EXPECT_EQ(mem.translate(page + 0x123, 1)[0], 0xCC) << std::hex << page;
}

TEST_F(LoadImage, ProtectsTheReadOnlyRunsAndNothingElse) {
    for (uint64_t page : {0x100000, 0x101000, 0x102000, 0x106000})
        EXPECT_THROW(mem.translate_writable(page + 0xff8, 8), GuestFault) << std::hex << page;
    EXPECT_THROW(mem.translate_writable(0x102ffc, 8), GuestFault);  // across two read-only segments
    EXPECT_EQ(mem.translate_writable(0x103000, 0x1000).size(), 0x1000u);
    EXPECT_EQ(mem.translate_writable(0x105000, 0x1000).size(), 0x1000u);  // the gap
    EXPECT_THROW(mem.translate(0x104000, 1), GuestFault);                 // no permissions at all
}

TEST_F(LoadImage, MakesTheHostCopyReadOnlyToo) {
    volatile uint8_t* host = static_cast<uint8_t*>(mem.host_base());
    EXPECT_DEATH(host[0x100800] = 1, "");
    EXPECT_DEATH(host[0x101800] = 1, "");
    EXPECT_DEATH(host[0x102800] = 1, "");
    EXPECT_DEATH(host[0x106000] = 1, "");
    host[0x105000] = 1;  // the gap is ordinary memory
    EXPECT_EQ(mem.translate(0x105000, 1)[0], 1);
}

}  // namespace
}  // namespace skiff
