// The aarch64 arch code that is plain C++: the guest's page tables and the decoding of hypercall
// stores. Built and run on every host (docs/guest-abi.md, aarch64 §4.3, §5.1).
#include <gtest/gtest.h>

#include "arch/aarch64/mmio.h"
#include "arch/aarch64/page_tables.h"
#include "arch/aarch64/vectors.h"
#include "arch/page_map.h"
#include "load_plans.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

using namespace aarch64;

constexpr uint64_t kMem = 64ull << 20;

using test_plans::placed;

// The typical plan, and a second text segment splitting the 2 MiB region at 0x400000.
LoadPlan typical_plan() {
    LoadPlan plan = test_plans::typical_plan();
    plan.segments.push_back(placed(0x400000, 0x402000, kSegmentRead | kSegmentExec));
    plan.kernel_end = 0x402000;
    return plan;
}

class Aarch64PageTables : public ::testing::Test {
  protected:
    void SetUp() override { build_page_tables(mem, typical_plan()); }
    uint64_t desc(uint64_t va) { return lookup_descriptor(mem, va); }
    bool present(uint64_t va) { return desc(va) & kDescValid; }
    bool writable(uint64_t va) { return present(va) && !(desc(va) & kDescReadOnly); }
    bool executable(uint64_t va) { return present(va) && !(desc(va) & kDescPrivilegedNoExecute); }
    GuestMemory mem{kMem, SKIFF_HUGE_PAGE_SIZE};  // with one 2 MiB reservation above (a ring)
};

TEST_F(Aarch64PageTables, LowMemoryAndTablesAreNotMapped) {
    for (uint64_t va : {0x0ull, 0x8ull, SKIFF_A64_L0_BASE, SKIFF_A64_L3_BASE, 0xf000ull})
        EXPECT_FALSE(present(va)) << va;
}

TEST_F(Aarch64PageTables, BootInfoIsReadOnlyAndNeverExecutable) {
    EXPECT_TRUE(present(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(writable(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(executable(SKIFF_BOOT_INFO_BASE));
    EXPECT_FALSE(writable(0xff000));
}

TEST_F(Aarch64PageTables, SegmentsKeepTheirPermissions) {
    EXPECT_TRUE(executable(0x100000));
    EXPECT_FALSE(writable(0x102fff));
    EXPECT_FALSE(executable(0x103000));  // rodata
    EXPECT_FALSE(writable(0x104000));
    EXPECT_TRUE(writable(0x105000));  // data
    EXPECT_FALSE(executable(0x106000));
    EXPECT_TRUE(executable(0x401000));  // the text in a split region, through an extra table
    EXPECT_FALSE(writable(0x401000));
    EXPECT_FALSE(executable(0x402000));
}

TEST_F(Aarch64PageTables, EverythingElseIsWritableAndNeverExecutable) {
    for (uint64_t va : {uint64_t(0x107000), uint64_t(0x200000), kMem - 8, kMem + 0x1000 /* the ring */}) {
        EXPECT_TRUE(writable(va)) << std::hex << va;
        EXPECT_FALSE(executable(va)) << std::hex << va;
        EXPECT_TRUE(desc(va) & kDescUserNoExecute);
        EXPECT_EQ(desc(va) & 0x0000FFFFFFE00000ull, va & ~(SKIFF_HUGE_PAGE_SIZE - 1)) << "identity mapped";
    }
    EXPECT_FALSE(present(kMem + SKIFF_HUGE_PAGE_SIZE));  // nothing beyond the allocation
    EXPECT_FALSE(present(0xC0000000));
}

TEST_F(Aarch64PageTables, TheHypercallWindowIsDeviceMemory) {
    const uint64_t d = desc(SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_PUTS));
    EXPECT_TRUE(d & kDescValid);
    EXPECT_EQ(d & (7ull << 2), kDescAttrDevice);
    EXPECT_TRUE(d & kDescPrivilegedNoExecute);
    EXPECT_FALSE(d & kDescReadOnly);
    EXPECT_FALSE(present(SKIFF_HYPERCALL_MMIO_BASE + SKIFF_HYPERCALL_MMIO_SIZE));
}

TEST_F(Aarch64PageTables, ExtraTablesAreHiddenFromTheGuest) {
    EXPECT_EQ(arch::extra_page_tables(typical_plan()), 1u);
    EXPECT_FALSE(present(arch::kExtraPageTablesBase));
    EXPECT_TRUE(present(arch::kExtraPageTablesBase + 0x1000));
}

MmioAccess store(uint64_t address, uint32_t length = 4, uint64_t data = 0x12345678) {
    return {address, length, true, data};
}

TEST(Aarch64Hypercalls, AFourByteStoreAtASlotIsThatHypercall) {
    const VcpuExit exit = decode_mmio(store(SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_PUTS), 4, 0xdead000012345678ull));
    EXPECT_EQ(exit.kind, VcpuExit::Kind::Hypercall);
    EXPECT_EQ(exit.nr, uint32_t(SKIFF_HC_PUTS));
    EXPECT_EQ(exit.arg, 0x12345678u);
    EXPECT_EQ(decode_mmio(store(SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_HALT))).nr, uint32_t(SKIFF_HC_HALT));
}

TEST(Aarch64Hypercalls, EverythingElseIsABadAccessNamingTheAddress) {
    const uint64_t puts = SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_PUTS);
    for (const MmioAccess& a :
         {store(puts + 4), store(puts + 1), store(puts, 8), store(puts, 2), MmioAccess{puts, 4, false, 0},
          store(SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_MAX)), store(SKIFF_HYPERCALL_MMIO_BASE - 8), store(0x100000100)}) {
        const VcpuExit exit = decode_mmio(a);
        EXPECT_EQ(exit.kind, VcpuExit::Kind::BadAccess) << std::hex << a.address << " " << a.length;
        EXPECT_TRUE(exit.mmio);
        EXPECT_EQ(exit.detail, a.address);
        EXPECT_NE(exit.what.find("invalid MMIO"), std::string::npos) << exit.what;
    }
    EXPECT_NE(decode_mmio(store(puts, 8)).what.find("a hypercall is a 4-byte store"), std::string::npos);
    EXPECT_NE(decode_mmio(store(puts + 4)).what.find("not the start of a hypercall slot"), std::string::npos);
}

// Entry 4 (synchronous, current EL with SP_EL1) as an assembler writes it: msr tpidr_el1, x0; mov
// x0, #0x220; movk x0, #0x0, lsl #16; movk x0, #0x1, lsl #32; str wzr, [x0]; b .
TEST(Aarch64DefaultVectors, EachEntryStoresToItsTrapAddress) {
    const auto table = default_vector_table();
    const uint32_t* entry = &table[4 * kVectorStride / 4];
    const uint32_t expected[] = {0xD518D080, 0xD2804400, 0xF2A00000, 0xF2C00020, 0xB900001F, 0x14000000};
    for (size_t i = 0; i < std::size(expected); ++i) EXPECT_EQ(entry[i], expected[i]) << "word " << i;
    EXPECT_EQ(entry[6], 0u);
}

TEST(Aarch64DefaultVectors, AStoreToATrapAddressEndsTheRunNamingTheVector) {
    const VcpuExit exit = decode_mmio(store(SKIFF_A64_TRAP_MMIO + 4 * 8));
    EXPECT_EQ(exit.kind, VcpuExit::Kind::Shutdown);
    EXPECT_NE(exit.what.find("unhandled synchronous exception from the current EL (SP_EL1)"), std::string::npos)
        << exit.what;
    EXPECT_NE(decode_mmio(store(SKIFF_A64_TRAP_MMIO + 15 * 8)).what.find("SError from a lower EL (AArch32)"),
              std::string::npos);
    EXPECT_EQ(decode_mmio(store(SKIFF_A64_TRAP_MMIO + 16 * 8)).kind, VcpuExit::Kind::BadAccess);
    EXPECT_EQ(decode_mmio(store(SKIFF_A64_TRAP_MMIO + 4)).kind, VcpuExit::Kind::BadAccess);
}

TEST_F(Aarch64PageTables, SkiffsVectorPageIsExecutableAndReadOnly) {
    EXPECT_TRUE(executable(SKIFF_A64_VECTORS_BASE));
    EXPECT_FALSE(writable(SKIFF_A64_VECTORS_BASE));
    EXPECT_FALSE(present(SKIFF_A64_VECTORS_BASE + 0x1000));
    EXPECT_EQ(mem.read<uint32_t>(SKIFF_A64_VECTORS_BASE), 0xD518D080u);
}

}  // namespace
}  // namespace skiff
