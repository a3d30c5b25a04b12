// A hostile guest against the hypercall loop (fake vCPU), with memory laid out as skiff lays it
// out for a real image: low memory (GDT, page tables, boot info) and text/rodata read-only for
// hypercall output. Every bad pointer, length, offset, handle and hypercall number must end the
// guest with a GuestFault or an EINVAL the ABI allows, and never touch host memory outside the guest
// or guest memory the guest may not write.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "arch/arch.h"
#include "common/error.h"
#include "elf_builder.h"
#include "fake_vcpu.h"
#include "hypercall/clock.h"
#include "hypercall/console.h"
#include "hypercall/poll.h"
#include "hypercall/run_loop.h"
#include "memory/boot_info.h"
#include "memory/loader.h"
#include "module_test_support.h"
#include "modules/module_set.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

using test::FakeVcpu;
constexpr uint64_t kMem = 4ull << 20;
constexpr uint64_t kText = 0x100000;    // read+execute
constexpr uint64_t kRodata = 0x101000;  // read-only
constexpr uint64_t kData = 0x102000;    // read+write
constexpr uint64_t kArgs = 0x200000;    // in the heap: writable
constexpr uint64_t kBuf = 0x300000;
constexpr uint64_t kMax = ~uint64_t{0};

class HostileGuest : public ::testing::Test {
  protected:
    void SetUp() override {
        test::ElfBuilder b;
        b.load(kText, 0x1000, PF_R | PF_X);
        b.load(kRodata, 0x1000, PF_R);
        b.load(kData, 0x1000, PF_R | PF_W);
        b.notes({test::abi_note()});
        b.notes(
            {test::manifest_note(test::manifest_payload(test::manifest_entries({{"disk", SKIFF_DEV_BLOCK_BASIC}})))});
        image = ElfImage::from_bytes("hostile.elf", b.build());
        const LoadPlan plan = image.plan(kMem);
        load_image(mem, image, plan);

        ASSERT_EQ(pipe2(out, O_NONBLOCK), 0);
        register_console(table, mem, out[1]);
        register_clock(table, mem);
        register_poll(table, mem, poll);
#ifdef SKIFF_MODULE_BLOCK
        dir = std::filesystem::temp_directory_path() / ("skiff-hostile-guest-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        disk = dir / "disk.img";
        std::ofstream(disk).put('\0');
        std::filesystem::resize_file(disk, kDiskSize);
        manifest = test::manifest_of({{"disk", DeviceType::Block}});
        entries = manifest.entries;
        modules.configure("hostile.elf", manifest, {{"block", "disk", disk.string()}});
        modules.open(OpenContext{mem, table, entries, poll, 0}, guest_memory_layout(kMem, modules.reservations()));
#endif
        arch::write_tables(mem, plan);
        BootParams params{};  // field by field: other fields may be added to it
        params.kernel_end = plan.kernel_end;
        params.cycle_frequency = 1'000'000'000;
        params.manifest = entries;
        write_boot_info(mem, params);
    }
    void TearDown() override {
        close(out[0]);
        close(out[1]);
        if (!dir.empty()) std::filesystem::remove_all(dir);
    }

    // Runs one hypercall `nr` with its argument at `gpa`, then HALT(0) from the heap.
    std::string outcome(uint32_t nr, uint64_t gpa) {
        vcpu.exits.clear();
        vcpu.hypercall(nr, gpa);
        mem.write(kArgs + 0x800, skiff_hc_halt{0, 0, 0});
        vcpu.hypercall(SKIFF_HC_HALT, kArgs + 0x800);
        try {
            return "halt " + std::to_string(run_guest(vcpu, mem, table));
        } catch (const GuestFault& e) {
            return std::string("fault: ") + e.what();
        }
    }
    std::string puts(uint64_t data, uint64_t len) {
        mem.write(kArgs, skiff_hc_puts{data, len});
        return outcome(SKIFF_HC_PUTS, kArgs);
    }
    std::string block(uint32_t nr, uint64_t handle, uint64_t offset, uint64_t data, uint64_t len, int32_t* ret) {
        mem.write(kArgs, skiff_hc_block_io{handle, offset, data, len, -1, 0});
        std::string r = outcome(nr, kArgs);
        *ret = mem.read<skiff_hc_block_io>(kArgs).ret;
        return r;
    }
    std::string console() {
        char buf[4096];
        const ssize_t n = read(out[0], buf, sizeof buf);
        return n > 0 ? std::string(buf, size_t(n)) : "";
    }
    std::vector<uint8_t> snapshot(uint64_t gpa, uint64_t len) const {
        auto s = mem.translate(gpa, len);
        return {s.begin(), s.end()};
    }

    static constexpr uint64_t kDiskSize = 8192;
    ElfImage image = ElfImage::from_bytes("empty", test::ElfBuilder::hvt_image({test::reserved_entry()}).build());
    RunControl control;
    GuestMemory mem{kMem, SKIFF_RING_RESERVATION};  // room for the block ring
    HypercallTable table;
    PollSet poll{control.wake_fd()};
    FakeVcpu vcpu;
    int out[2] = {-1, -1};
    std::filesystem::path dir, disk;
    ModuleSet modules{compiled_modules()};
    Manifest manifest;
    std::vector<skiff_manifest_entry> entries{test::reserved_entry()};
};

bool is_fault(const std::string& r) {
    return r.starts_with("fault: ");
}

// --- the argument structure itself ---

TEST_F(HostileGuest, ArgumentAtZeroIsReadButWritingItIsAFault) {
    // GPA 0 is inside the tender's mapping (the GDT page); reading it leaks nothing the guest cannot
    // see, but WALLTIME may not write its result there.
    EXPECT_EQ(outcome(SKIFF_HC_WALLTIME, 0).substr(0, 7), "fault: ");
    EXPECT_NE(outcome(SKIFF_HC_WALLTIME, 0).find("invalid guest access: gpa=0x0, len=8"), std::string::npos);
}

TEST_F(HostileGuest, ArgumentIntoThePageTablesIsAFaultAndLeavesThemIntact) {
    const auto before = snapshot(SKIFF_PML4_BASE, 0x1000);
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, SKIFF_PML4_BASE)));
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, SKIFF_PD_BASE + 8)));
    EXPECT_EQ(snapshot(SKIFF_PML4_BASE, 0x1000), before);
}

TEST_F(HostileGuest, ArgumentIntoBootInfoOrTextIsAFault) {
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, SKIFF_BOOT_INFO_BASE)));
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, kText + 0x10)));
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, kRodata)));
    EXPECT_EQ(outcome(SKIFF_HC_WALLTIME, kData), "halt 0");
}

TEST_F(HostileGuest, ArgumentAtOrStraddlingTheEndOfMemoryIsAFault) {
    EXPECT_NE(outcome(SKIFF_HC_WALLTIME, kMem).find("invalid guest access: gpa=0x400000, len=8"), std::string::npos);
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_WALLTIME, kMem - 4)));
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_PUTS, kMem - 8)));
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_POLL, 0xFFFFFFFF)));
    EXPECT_EQ(outcome(SKIFF_HC_WALLTIME, kMem - 8), "halt 0");  // the last 8 bytes are fine
}

// --- data pointers and lengths (PUTS) ---

TEST_F(HostileGuest, PutsOfZeroBytesAnywhereIsHarmless) {
    EXPECT_EQ(puts(kBuf, 0), "halt 0");
    EXPECT_EQ(console(), "");
}

TEST_F(HostileGuest, PutsFromBadPointersIsAFaultAndPrintsNothing) {
    for (const auto& [data, len] :
         std::vector<std::pair<uint64_t, uint64_t>>{{kMem, 1},                   // at mem_size
                                                    {kMem - 1, 2},               // straddling the end
                                                    {kMax - 15, 32},             // wrapping 2^64
                                                    {kMax, 1},                   // the last address
                                                    {kBuf, kMax},                // huge length
                                                    {kBuf, uint64_t(-1) << 63},  // negative when cast to int64
                                                    {kBuf, kMem},                // longer than memory
                                                    {1ull << 63, 16}}) {
        SCOPED_TRACE("data=" + std::to_string(data) + " len=" + std::to_string(len));
        EXPECT_TRUE(is_fault(puts(data, len)));
        EXPECT_EQ(console(), "");
    }
}

TEST_F(HostileGuest, PutsOfTheWholeMemoryIsAllowed) {
    // Everything the guest can address, it may print: even the page tables are its own memory.
    EXPECT_EQ(puts(0, kMem), "halt 0");
    std::string printed;
    for (std::string chunk = console(); !chunk.empty(); chunk = console()) printed += chunk;
    EXPECT_GT(printed.size(), 0u);
}

TEST_F(HostileGuest, HaltCookieOverTheEndOrWrappingIsAFault) {
    mem.write(kArgs, skiff_hc_halt{kMem - SKIFF_HALT_COOKIE_SIZE + 1, 3, 0});
    EXPECT_TRUE(is_fault(outcome(SKIFF_HC_HALT, kArgs)));
    mem.write(kArgs, skiff_hc_halt{kMax - 100, 3, 0});
    vcpu.exits.clear();
    vcpu.hypercall(SKIFF_HC_HALT, kArgs);
    EXPECT_THROW(run_guest(vcpu, mem, table), GuestFault);
    mem.write(kArgs, skiff_hc_halt{kMem - SKIFF_HALT_COOKIE_SIZE, 3, 0});
    vcpu.exits.clear();
    vcpu.hypercall(SKIFF_HC_HALT, kArgs);
    EXPECT_EQ(run_guest(vcpu, mem, table), 3);
}

// --- hypercall numbers ---

TEST_F(HostileGuest, EveryUnservedHypercallNumberIsAFault) {
    for (uint32_t nr = 0; nr < SKIFF_HC_MAX; ++nr) {
        if (nr == SKIFF_HC_HALT || table.find(nr)) continue;
        SCOPED_TRACE(nr);
        mem.write(kArgs, skiff_hc_puts{kBuf, 0});
        EXPECT_NE(outcome(nr, kArgs).find("invalid hypercall " + std::to_string(nr)), std::string::npos);
    }
}

TEST_F(HostileGuest, PortsBeyondTheHypercallRangeAreFaults) {
    for (uint32_t port : {uint32_t(SKIFF_HYPERCALL_PIO_BASE + SKIFF_HC_MAX), 0xFFFFu, 0x4FFu, 0u, 0x3F8u}) {
        vcpu.exits.clear();
        vcpu.port_access(uint16_t(port), uint32_t(kArgs));
        try {
            run_guest(vcpu, mem, table);
            ADD_FAILURE() << "port " << port << " accepted";
        } catch (const GuestFault& f) {
            EXPECT_NE(std::string(f.what()).find("invalid port access"), std::string::npos) << f.what();
        }
    }
}

TEST_F(HostileGuest, AMillionFaultFreePutsOfNothing) {
    mem.write(kArgs, skiff_hc_puts{kBuf, 0});
    vcpu.exits.clear();
    for (int i = 0; i < 1'000'000; ++i) vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    mem.write(kArgs + 0x800, skiff_hc_halt{0, 9, 0});
    vcpu.hypercall(SKIFF_HC_HALT, kArgs + 0x800);
    EXPECT_EQ(run_guest(vcpu, mem, table), 9);
    EXPECT_EQ(console(), "");
}

#ifdef SKIFF_MODULE_BLOCK

// --- block I/O ---

TEST_F(HostileGuest, BlockHandlesThatAreNoBlockDeviceAreFaults) {
    int32_t ret;
    for (uint64_t handle : {uint64_t{0}, uint64_t{2}, uint64_t{63}, uint64_t{64}, uint64_t{1} << 32, kMax}) {
        SCOPED_TRACE(handle);
        EXPECT_NE(block(SKIFF_HC_BLOCK_READ, handle, 0, kBuf, 512, &ret).find("is not a block device"),
                  std::string::npos);
    }
}

TEST_F(HostileGuest, BlockRangesBeyondTheDeviceAreEinval) {
    int32_t ret;
    for (const auto& [offset, len] :
         std::vector<std::pair<uint64_t, uint64_t>>{{kDiskSize, 512},         // just past the end
                                                    {kDiskSize - 512, 1024},  // straddling the end
                                                    {kMax - 511, 512},        // offset near 2^64
                                                    {512, kMax - 511},        // offset + length wraps
                                                    {0, uint64_t(-512)},      // "negative" length
                                                    {0, 1ull << 63},          // length above SSIZE_MAX
                                                    {1ull << 62, 512}}) {
        SCOPED_TRACE("offset=" + std::to_string(offset) + " len=" + std::to_string(len));
        EXPECT_EQ(block(SKIFF_HC_BLOCK_WRITE, 1, offset, kBuf, len, &ret), "halt 0");
        EXPECT_EQ(ret, SKIFF_HC_EINVAL);
    }
    EXPECT_EQ(std::filesystem::file_size(disk), kDiskSize);  // nothing was appended
}

TEST_F(HostileGuest, BlockZeroLengthAndUnalignedRequestsAreFaults) {
    int32_t ret;
    EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_READ, 1, 0, kBuf, 0, &ret)));
    EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_READ, 1, 511, kBuf, 512, &ret)));
    EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_WRITE, 1, 0, kBuf, 513, &ret)));
    EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_WRITE, 1, kMax, kBuf, 512, &ret)));
}

TEST_F(HostileGuest, BlockBuffersOutsideMemoryAreFaultsAndTheFileIsUntouched) {
    int32_t ret;
    std::ofstream(disk, std::ios::binary | std::ios::in | std::ios::out).write(std::string(512, 'D').data(), 512);
    for (uint64_t data : {kMem, kMem - 256, kMax - 255, uint64_t{1} << 63}) {
        SCOPED_TRACE(data);
        EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_WRITE, 1, 0, data, 512, &ret)));
        EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_READ, 1, 0, data, 512, &ret)));
    }
    std::ifstream in(disk, std::ios::binary);
    std::string first(512, '\0');
    in.read(first.data(), 512);
    EXPECT_EQ(first, std::string(512, 'D'));
}

TEST_F(HostileGuest, BlockReadIntoReadOnlyMemoryIsAFaultAndLeavesItIntact) {
    int32_t ret;
    std::ofstream(disk, std::ios::binary | std::ios::in | std::ios::out).write(std::string(512, 'X').data(), 512);
    for (uint64_t target :
         {uint64_t{0}, uint64_t{SKIFF_PML4_BASE}, uint64_t{SKIFF_BOOT_INFO_BASE}, kText, kRodata, kData - 256}) {
        SCOPED_TRACE(target);
        const auto before = snapshot(target, 512);
        EXPECT_TRUE(is_fault(block(SKIFF_HC_BLOCK_READ, 1, 0, target, 512, &ret)));
        EXPECT_EQ(snapshot(target, 512), before);
    }
    EXPECT_EQ(block(SKIFF_HC_BLOCK_READ, 1, 0, kData, 512, &ret), "halt 0");  // writable data is fine
    EXPECT_EQ(ret, SKIFF_HC_OK);
    EXPECT_EQ(mem.read<uint8_t>(kData + 511), 'X');
}

TEST_F(HostileGuest, BlockWriteFromReadOnlyMemoryIsAllowed) {
    // The guest may store its own text on disk: reading guest memory is not a write to it.
    int32_t ret;
    EXPECT_EQ(block(SKIFF_HC_BLOCK_WRITE, 1, 0, kText, 512, &ret), "halt 0");
    EXPECT_EQ(ret, SKIFF_HC_OK);
}

#endif

// --- net: the module needs a real tap; without the net module the hypercalls do not exist ---

TEST_F(HostileGuest, NetHypercallsWithoutANetDeviceAreFaults) {
    mem.write(kArgs, skiff_hc_net_io{1, kBuf, 100, -1, 0});
    for (uint32_t nr : {uint32_t(SKIFF_HC_NET_WRITE), uint32_t(SKIFF_HC_NET_READ)}) {
        SCOPED_TRACE(nr);
        EXPECT_TRUE(is_fault(outcome(nr, kArgs)));
    }
}

}  // namespace
}  // namespace skiff
