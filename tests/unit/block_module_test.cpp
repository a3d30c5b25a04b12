#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "fake_vcpu.h"
#include "hypercall/run_loop.h"
#include "module_test_support.h"

namespace skiff {
namespace {

using test::FakeVcpu;
constexpr uint64_t kArgs = 0x200000;
constexpr uint64_t kBuf = 0x300000;

#ifdef SKIFF_MODULE_BLOCK

class BlockModule : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("skiff-block-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        disk = dir / "disk.img";
        std::filesystem::resize_file(make_file(disk), 4096);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path make_file(const std::filesystem::path& p) {
        std::ofstream(p).put('\0');
        return p;
    }
    void attach(const std::string& sector_size = "") {
        std::vector<ModuleOption> opts{{"block", "disk", disk.string()}};
        if (!sector_size.empty()) opts.push_back({"block-sector-size", "disk", sector_size});
        harness.open(test::manifest_of({{"disk", DeviceType::Block}}), opts);
    }
    int32_t io(uint32_t nr, uint64_t handle, uint64_t offset, uint64_t len) {
        vcpu.exits.clear();  // a fault leaves the rest of the last script unrun
        mem.write(kArgs, skiff_hc_block_io{handle, offset, kBuf, len, -1, 0});
        vcpu.hypercall(nr, kArgs);
        mem.write(kArgs + 64, skiff_hc_halt{0, 0, 0});
        vcpu.hypercall(SKIFF_HC_HALT, kArgs + 64);
        run_guest(vcpu, mem, table);
        return mem.read<skiff_hc_block_io>(kArgs).ret;
    }
    std::string fault(uint32_t nr, uint64_t handle, uint64_t offset, uint64_t len) {
        try {
            io(nr, handle, offset, len);
        } catch (const GuestFault& e) {
            return e.what();
        }
        return "no fault";
    }

    std::filesystem::path dir, disk;
    test::ModuleHarness harness;
    GuestMemory& mem = harness.mem;
    HypercallTable& table = harness.table;
    std::vector<skiff_manifest_entry>& entries = harness.entries;
    FakeVcpu vcpu;
};

TEST_F(BlockModule, FillsCapacityAndBlockSizeIntoTheManifest) {
    attach();
    EXPECT_EQ(entries[1].u.block_basic.capacity, 4096u);
    EXPECT_EQ(entries[1].u.block_basic.block_size, 512u);
    EXPECT_EQ(entries[1].attached, 1);
}

TEST_F(BlockModule, HonoursTheSectorSizeOption) {
    attach("4096");
    EXPECT_EQ(entries[1].u.block_basic.block_size, 4096u);
}

TEST_F(BlockModule, WriteThenReadRoundTripsThroughTheFile) {
    attach();
    std::memset(mem.translate_writable(kBuf, 512).data(), 0xab, 512);
    EXPECT_EQ(io(SKIFF_HC_BLOCK_WRITE, 1, 1024, 512), SKIFF_HC_OK);
    std::memset(mem.translate_writable(kBuf, 512).data(), 0, 512);
    EXPECT_EQ(io(SKIFF_HC_BLOCK_READ, 1, 1024, 512), SKIFF_HC_OK);
    EXPECT_EQ(mem.read<uint8_t>(kBuf + 511), 0xab);
    std::ifstream f(disk, std::ios::binary);
    f.seekg(1024);
    EXPECT_EQ(f.get(), 0xab);
}

TEST_F(BlockModule, LastBlockIsInRange) {
    attach();
    EXPECT_EQ(io(SKIFF_HC_BLOCK_READ, 1, 4096 - 512, 512), SKIFF_HC_OK);
}

TEST_F(BlockModule, PastTheEndIsEinval) {
    attach();
    EXPECT_EQ(io(SKIFF_HC_BLOCK_READ, 1, 4096, 512), SKIFF_HC_EINVAL);
    EXPECT_EQ(io(SKIFF_HC_BLOCK_WRITE, 1, 4096 - 512, 1024), SKIFF_HC_EINVAL);
}

TEST_F(BlockModule, OffsetPlusLengthWrappingIsEinval) {
    attach();
    EXPECT_EQ(io(SKIFF_HC_BLOCK_READ, 1, 512, UINT64_MAX - 511), SKIFF_HC_EINVAL);
}

TEST_F(BlockModule, MisalignedOffsetIsAFault) {
    attach();
    EXPECT_NE(fault(SKIFF_HC_BLOCK_READ, 1, 100, 512).find("hypercall BLOCK_READ: offset 100 and length 512 must be"),
              std::string::npos);
}

TEST_F(BlockModule, PartialBlockIsAFault) {
    attach();
    EXPECT_NE(fault(SKIFF_HC_BLOCK_WRITE, 1, 0, 100).find("must be non-zero multiples of the block size 512"),
              std::string::npos);
}

TEST_F(BlockModule, InvalidHandleIsAFault) {
    attach();
    EXPECT_NE(fault(SKIFF_HC_BLOCK_READ, 2, 0, 512).find("handle 2 is not a block device"), std::string::npos);
    EXPECT_NE(fault(SKIFF_HC_BLOCK_READ, 0x100000001ull, 0, 512).find("is not a block device"), std::string::npos);
}

// The argument structure is checked before the I/O: one the guest cannot write back to ends the
// guest before anything reaches the disk.
TEST_F(BlockModule, ArgumentsInReadOnlyMemoryFaultBeforeAnyIo) {
    attach();
    std::memset(mem.translate_writable(kBuf, 512).data(), 0xab, 512);
    mem.write(kArgs, skiff_hc_block_io{1, 0, kBuf, 512, -1, 0});
    mem.protect_readonly(kArgs, kArgs + 0x1000, false);
    vcpu.hypercall(SKIFF_HC_BLOCK_WRITE, kArgs);
    try {
        run_guest(vcpu, mem, table);
        FAIL() << "no fault";
    } catch (const GuestFault& e) {
        EXPECT_NE(std::string(e.what()).find("hypercall BLOCK_WRITE: invalid guest access: gpa=0x200000, len=40 "
                                             "(read-only for the guest)"),
                  std::string::npos)
            << e.what();
    }
    std::ifstream f(disk, std::ios::binary);
    EXPECT_EQ(f.get(), 0);  // the 0xab block never reached the disk
}

TEST_F(BlockModule, BufferOutsideMemoryIsAFault) {
    attach();
    mem.write(kArgs, skiff_hc_block_io{1, 0, (4ull << 20) - 256, 512, -1, 0});
    vcpu.hypercall(SKIFF_HC_BLOCK_READ, kArgs);
    EXPECT_THROW(run_guest(vcpu, mem, table), GuestFault);
}

TEST_F(BlockModule, RefusesFilesThatAreNotAMultipleOfTheBlockSize) {
    std::filesystem::resize_file(disk, 6144);
    try {
        attach("4096");
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(), ("block device 'disk': size of " + disk.string() +
                                " (6144 bytes) must be a non-zero multiple of the block size (4096 bytes)")
                                   .c_str());
    }
}

TEST_F(BlockModule, RefusesAMissingFile) {
    disk = dir / "missing.img";
    try {
        attach();
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(),
                     ("block device 'disk': cannot open " + disk.string() + ": No such file or directory").c_str());
    }
    EXPECT_FALSE(std::filesystem::exists(disk));
}

TEST_F(BlockModule, RefusesBadSectorSizesBeforeOpeningAnything) {
    for (const char* bad : {"521", "256", "0", "65536", "x"}) {
        try {
            attach(bad);
            FAIL() << bad;
        } catch (const UsageError& e) {
            EXPECT_EQ(std::string(e.what()), std::string("--block-sector-size:disk=") + bad +
                                                 ": block size must be a power of two from 512 to 32768");
        }
    }
}

#endif

}  // namespace
}  // namespace skiff
