#include "arch/x86_64/page_tables.h"

#include "arch/arch.h"
#include "arch/page_map.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "load_plans.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

using namespace x86;
using arch::extra_page_tables;
using arch::kExtraPageTablesBase;
using arch::kMaxExtraPageTables;

constexpr uint64_t kMem = 64ull << 20;

using test_plans::placed;
using test_plans::typical_plan;

class PageTables : public ::testing::Test {
  protected:
    void SetUp() override { build_page_tables(mem, typical_plan()); }
    bool present(uint64_t gpa) { return lookup_pte(mem, gpa) & kPtePresent; }
    bool writable(uint64_t gpa) { return lookup_pte(mem, gpa) & kPteWritable; }
    bool executable(uint64_t gpa) { return !(lookup_pte(mem, gpa) & kPteNoExecute); }
    GuestMemory mem{kMem};
};

TEST_F(PageTables, ZeroPageAndTablesAreNotMapped) {
    EXPECT_FALSE(present(0));
    EXPECT_FALSE(present(0x8));
    EXPECT_FALSE(present(SKIFF_PML4_BASE));
    EXPECT_FALSE(present(0xf000));
}

TEST_F(PageTables, BootInfoIsReadOnlyAndNotExecutable) {
    EXPECT_TRUE(present(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(writable(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(executable(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(writable(0xff000));
}

TEST_F(PageTables, LowMemoryWithoutPageTablesStaysReadOnly) {
    EXPECT_TRUE(present(kExtraPageTablesBase));  // the image needs no table beyond PT0
    EXPECT_FALSE(writable(kExtraPageTablesBase));
}

TEST_F(PageTables, TextIsReadAndExecuteOnly) {
    EXPECT_TRUE(present(0x100000));
    EXPECT_FALSE(writable(0x102fff));
    EXPECT_TRUE(executable(0x102fff));
}

TEST_F(PageTables, RodataIsReadOnlyAndNotExecutable) {
    EXPECT_TRUE(present(0x103000));
    EXPECT_FALSE(writable(0x104fff));
    EXPECT_FALSE(executable(0x104fff));
}

TEST_F(PageTables, DataIsWritableAndNotExecutable) {
    EXPECT_TRUE(writable(0x105000));
    EXPECT_FALSE(executable(0x106fff));
}

TEST_F(PageTables, HeapAndStackAreWritableAndNotExecutable) {
    EXPECT_TRUE(writable(0x107000));
    EXPECT_FALSE(executable(0x107000));
    EXPECT_TRUE(writable(kMem - 8));
    EXPECT_FALSE(executable(kMem - 8));
    EXPECT_TRUE(lookup_pte(mem, kMem - 8) & kPteHuge);  // regions without segments use 2 MiB pages
}

TEST_F(PageTables, NothingPastTheEndOfMemoryIsMapped) {
    EXPECT_FALSE(present(kMem));
    EXPECT_FALSE(present(4ull << 30));
}

TEST(PageTablesLimits, SegmentsBeyondTheFirstRegionGetTheirOwnTable) {
    GuestMemory mem(kMem);
    build_page_tables(mem, LoadPlan{0x100000,
                                    0x601000,
                                    {placed(0x100000, 0x101000, kSegmentRead | kSegmentExec),
                                     placed(0x600000, 0x601000, kSegmentRead)}});
    EXPECT_FALSE(lookup_pte(mem, kExtraPageTablesBase) & kPtePresent);  // that table is hidden from the guest
    EXPECT_TRUE(lookup_pte(mem, kExtraPageTablesBase + 0x1000) & kPtePresent);
    EXPECT_FALSE(lookup_pte(mem, 0x600000) & kPteHuge);
    EXPECT_FALSE(lookup_pte(mem, 0x600000) & kPteWritable);
    EXPECT_TRUE(lookup_pte(mem, 0x601000) & kPteWritable);
    EXPECT_TRUE(lookup_pte(mem, 0x400000) & kPteHuge);
}

// A segment that covers whole 2 MiB regions is mapped with 2 MiB pages carrying its permissions,
// so an image of hundreds of MiB needs page tables only where a boundary splits a region.
TEST(PageTablesLimits, LargeSegmentsUse2MiBPagesWithTheirPermissions) {
    GuestMemory mem(1024ull << 20);
    LoadPlan plan{0x100000,
                  0x30001000,
                  {placed(0x100000, 0x20000000, kSegmentRead | kSegmentExec),
                   placed(0x20000000, 0x30001000, kSegmentRead | kSegmentWrite)}};
    EXPECT_EQ(extra_page_tables(plan), 1u);  // only the region the data segment ends in
    build_page_tables(mem, plan);
    const uint64_t text = lookup_pte(mem, 0x10000000);
    EXPECT_TRUE(text & kPteHuge);
    EXPECT_FALSE(text & kPteWritable);
    EXPECT_FALSE(text & kPteNoExecute);
    const uint64_t data = lookup_pte(mem, 0x28000000);
    EXPECT_TRUE(data & kPteHuge);
    EXPECT_TRUE(data & kPteWritable);
    EXPECT_TRUE(data & kPteNoExecute);
    EXPECT_FALSE(lookup_pte(mem, 0x30000000) & kPteHuge);  // split: data up to 0x30001000, then free
    EXPECT_TRUE(lookup_pte(mem, 0x30000000) & kPteWritable);
    EXPECT_TRUE(lookup_pte(mem, 0x30001000) & kPteNoExecute);
}

TEST(PageTablesLimits, ImagesSplittingTooManyRegionsAreRefusedBeforeAnythingIsOpened) {
    LoadPlan plan{0x100000, 0, {}};
    for (uint64_t r = 1; r <= kMaxExtraPageTables + 1; ++r)
        plan.segments.push_back(placed(r * 0x200000, r * 0x200000 + 0x1000, kSegmentRead));
    EXPECT_EQ(extra_page_tables(plan), kMaxExtraPageTables + 1);
    try {
        arch::check_plan("big.elf", plan);
        FAIL() << "accepted";
    } catch (const ImageError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "big.elf: segment boundaries split " + std::to_string(kMaxExtraPageTables + 1) +
                      " 2 MiB regions; the page tables have room for " + std::to_string(kMaxExtraPageTables));
    }
    plan.segments.pop_back();
    EXPECT_NO_THROW(arch::check_plan("big.elf", plan));
}

}  // namespace
}  // namespace skiff
