// The block ring's protocol (src/modules/block/block_ring.h) driven by hand: the test plays the
// guest on a real GuestMemory, with a temporary file behind one disk. Every case runs against each
// way the ring thread can carry out I/O: one request at a time (pread/pwrite), in rounds handed to a
// recording fake that does them one by one, and in rounds through io_uring (where built in).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "modules/block/block_ring.h"
#ifdef SKIFF_HAVE_LIBURING
#include "modules/block/uring_io.h"
#endif
#include "modules/ring/ring_server.h"
#include "sandbox/sandbox.h"
#include "sandbox/sigsys.h"
#include "skiff/abi/hypercall.h"
#include "skiff/abi/ring.h"

namespace skiff {
namespace {

constexpr uint64_t kVisible = 4 << 20;
constexpr uint32_t kDisk = 1;
constexpr uint64_t kBlock = 512;
constexpr uint64_t kCapacity = 64 * kBlock;
constexpr uint64_t kBuffers = 0x200000;

enum class Backend { OneByOne, FakeRounds, IoUring };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    switch (info.param) {
        case Backend::OneByOne: return "one_by_one";
        case Backend::FakeRounds: return "fake_rounds";
        case Backend::IoUring: return "io_uring";
    }
    return "?";
}

// One line per request a round carried out, and the rounds: "W512+1024 F R512+1024 |".
std::string describe(const BlockIo& io) {
    const char* op = io.op == BlockOp::Read ? "R" : io.op == BlockOp::Write ? "W" : io.op == BlockOp::Flush ? "F" : "D";
    return io.op == BlockOp::Flush ? op : op + std::to_string(io.offset) + "+" + std::to_string(io.len);
}

class BlockRingTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("skiff-block-ring-" + std::to_string(getpid()));
        UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        ASSERT_TRUE(fd.valid());
        ASSERT_EQ(ftruncate(fd.get(), kCapacity), 0);
        Disk& disk = disks_.add(kDisk);
        disk.fd = std::move(fd);
        disk.capacity = kCapacity;
        disk.block_size = kBlock;
        disk.label = "block device 'test'";
    }
    void TearDown() override { std::filesystem::remove(path_); }

    void submit(uint32_t op, uint32_t handle, uint64_t offset, uint64_t data, uint32_t len, uint32_t id) {
        ring_.ent[ring_.ent_tail % SKIFF_RING_SLOTS] = skiff_ring_submission{op, handle, data, len, id, offset};
        ++ring_.ent_tail;
    }
    skiff_ring_completion completion(uint32_t i) const { return ring_.com[i % SKIFF_RING_SLOTS]; }
    uint32_t process() {
        switch (GetParam()) {
            case Backend::OneByOne: return process_block_ring(ring_, mem_, disks_);
            case Backend::FakeRounds:
                return process_block_ring_in_rounds(ring_, mem_, disks_, [this](auto ios, auto results) {
                    for (size_t i = 0; i < ios.size(); ++i) {
                        rounds_ += describe(ios[i]) + " ";
                        results[i] = perform(ios[i]);
                    }
                    rounds_ += "| ";
                });
            case Backend::IoUring: break;
        }
#ifdef SKIFF_HAVE_LIBURING
        if (!uring_) uring_ = std::make_unique<UringIo>(disks_, SKIFF_RING_SLOTS);
        return process_block_ring_in_rounds(ring_, mem_, disks_,
                                            [this](auto ios, auto results) { uring_->run(ios, results); });
#else
        ADD_FAILURE() << "no io_uring in this build";
        return 0;
#endif
    }
    // A new file behind the disk: io_uring registered the old one.
    void replace_fd(UniqueFd fd) {
        disks_.at(kDisk).fd = std::move(fd);
#ifdef SKIFF_HAVE_LIBURING
        uring_.reset();
#endif
    }
    std::vector<uint8_t> file_bytes(uint64_t offset, size_t n) const {
        std::vector<uint8_t> bytes(n);
        UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
        EXPECT_EQ(pread(fd.get(), bytes.data(), n, off_t(offset)), ssize_t(n));
        return bytes;
    }
    void fill(uint64_t gpa, size_t n, uint8_t value) {
        auto span = mem_.translate_writable(gpa, n);
        std::memset(span.data(), value, n);
    }

    std::filesystem::path path_;
    GuestMemory mem_{kVisible, SKIFF_RING_RESERVATION};
    skiff_ring& ring_ = ring_in(mem_.reservation(kVisible, SKIFF_RING_RESERVATION));
    Disks disks_{"block"};
    std::string rounds_;  // what the fake saw
#ifdef SKIFF_HAVE_LIBURING
    std::unique_ptr<UringIo> uring_;  // made at the first pass, on the disk's file then
#endif
};

TEST_P(BlockRingTest, WritesReadsAndFlushesCompleteInOrderWithTheirIds) {
    fill(kBuffers, 2 * kBlock, 0x5A);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, kBlock, kBuffers, 2 * kBlock, 10);
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 11);
    submit(SKIFF_RING_BLOCK_READ, kDisk, kBlock, kBuffers + 0x10000, 2 * kBlock, 12);
    EXPECT_EQ(process(), 3u);
    ASSERT_EQ(ring_.com_tail, 3u);
    EXPECT_EQ(ring_.ent_head, 3u);
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(completion(i).id, 10 + i);
        EXPECT_EQ(completion(i).ret, SKIFF_HC_OK);
    }
    EXPECT_EQ(completion(0).len, 2 * kBlock);
    EXPECT_EQ(file_bytes(kBlock, 2 * kBlock), std::vector<uint8_t>(2 * kBlock, 0x5A));
    auto read = mem_.translate(kBuffers + 0x10000, 2 * kBlock);
    EXPECT_EQ(std::vector<uint8_t>(read.begin(), read.end()), std::vector<uint8_t>(2 * kBlock, 0x5A));
    EXPECT_FALSE(disks_.at(kDisk).written.load()) << "the flush covered the write";
}

TEST_P(BlockRingTest, DiscardReadsBackZerosAndRangesPastTheEndAreEinval) {
    fill(kBuffers, kBlock, 0x77);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, kBlock, 1);
    submit(SKIFF_RING_BLOCK_DISCARD, kDisk, 0, 0, kBlock, 2);
    submit(SKIFF_RING_BLOCK_READ, kDisk, kCapacity, kBuffers, kBlock, 3);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, kCapacity - kBlock, kBuffers, 2 * kBlock, 4);
    EXPECT_EQ(process(), 4u);
    EXPECT_EQ(completion(1).ret, SKIFF_HC_OK);
    EXPECT_EQ(file_bytes(0, kBlock), std::vector<uint8_t>(kBlock, 0));
    EXPECT_EQ(completion(2).ret, SKIFF_HC_EINVAL);
    EXPECT_EQ(completion(3).ret, SKIFF_HC_EINVAL);
}

TEST_P(BlockRingTest, OnlyAsManyAsThereIsRoomForCompletions) {
    ring_.com_tail = 1000;  // 1000 completions the guest has not consumed: room for 24
    ring_.com_head = 0;
    for (uint32_t i = 0; i < 30; ++i) submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, i);
    EXPECT_EQ(process(), 24u);
    EXPECT_EQ(ring_.ent_head, 24u);
    EXPECT_EQ(process(), 0u);
    ring_.com_head = 1000;  // the guest catches up
    EXPECT_EQ(process(), 6u);
}

TEST_P(BlockRingTest, ReadOnlyDevicesRefuseWritesAndHostErrorsReachTheGuest) {
    Disk& disk = disks_.at(kDisk);
    disk.read_only = true;
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, kBlock, 1);
    submit(SKIFF_RING_BLOCK_DISCARD, kDisk, 0, 0, kBlock, 2);
    EXPECT_EQ(process(), 2u);
    EXPECT_EQ(completion(0).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(completion(1).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(file_bytes(0, kBlock), std::vector<uint8_t>(kBlock, 0));
    // A file opened read-only behind a writable device: the host's write fails, the guest hears it.
    disk.read_only = false;
    replace_fd(UniqueFd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC)));
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, kBlock, 3);
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 4);
    EXPECT_EQ(process(), 2u);
    EXPECT_EQ(completion(2).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(disk.errors.load(), 1u);
    EXPECT_NE(disk.last_error_text().find("write at offset 0"), std::string::npos) << disk.last_error_text();
    // A flush that fails is the guest's to hear and the end's to report (exit 254).
    EXPECT_FALSE(disk.flush_failed.load());
    replace_fd(UniqueFd());  // fdatasync(-1): EBADF
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 5);
    EXPECT_EQ(process(), 1u);
    EXPECT_EQ(completion(4).ret, SKIFF_HC_EUNSPEC);
    EXPECT_TRUE(disk.flush_failed.load());
    EXPECT_EQ(disk.errors.load(), 2u);
}

TEST_P(BlockRingTest, WhatTheAbiMakesFatalIsAGuestFault) {
    const auto fault_of = [&](uint32_t op, uint32_t handle, uint64_t offset, uint64_t data, uint32_t len) {
        ring_.ent_head = ring_.ent_tail;
        submit(op, handle, offset, data, len, 0);
        try {
            process();
        } catch (const GuestFault& f) {
            return std::string(f.what());
        }
        return std::string("no fault");
    };
    EXPECT_EQ(fault_of(99, kDisk, 0, kBuffers, kBlock), "block ring: unknown operation 99");
    EXPECT_NE(fault_of(SKIFF_RING_BLOCK_READ, 7, 0, kBuffers, kBlock).find("handle 7 is not a block device"),
              std::string::npos);
    EXPECT_NE(fault_of(SKIFF_RING_BLOCK_READ, kDisk, 1, kBuffers, kBlock).find("multiples of the block size"),
              std::string::npos);
    EXPECT_NE(fault_of(SKIFF_RING_BLOCK_READ, kDisk, 0, kBuffers, 0).find("multiples of the block size"),
              std::string::npos);
    EXPECT_NE(fault_of(SKIFF_RING_BLOCK_READ, kDisk, 0, kVisible, kBlock).find("invalid guest access"),
              std::string::npos);
    ring_.ent_head = ring_.ent_tail;
    ring_.ent_tail += SKIFF_RING_SLOTS + 1;
    EXPECT_THROW(process(), GuestFault);
}

// A full ring in one pass, its entries overlapping: each read sees the last write before it, the
// file ends with the last write of each block, the completions come in submission order.
TEST_P(BlockRingTest, ManyEntriesInOnePassKeepTheGuestsOrder) {
    constexpr uint32_t kEntries = SKIFF_RING_SLOTS - 1;
    std::vector<uint8_t> latest(kCapacity / kBlock, 0);  // what each block holds, as the guest sees it
    std::vector<std::pair<uint64_t, uint8_t>> reads;     // buffer, the byte it must hold
    for (uint32_t i = 0; i < kEntries; ++i) {
        const uint64_t block = (i * 7) % (kCapacity / kBlock);
        const uint64_t buffer = kBuffers + i * kBlock;
        if (i % 3 == 2) {
            submit(SKIFF_RING_BLOCK_READ, kDisk, block * kBlock, buffer, kBlock, i);
            reads.emplace_back(buffer, latest[block]);
        } else {
            fill(buffer, kBlock, uint8_t(i));
            submit(SKIFF_RING_BLOCK_WRITE, kDisk, block * kBlock, buffer, kBlock, i);
            latest[block] = uint8_t(i);
        }
    }
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, kEntries);
    ASSERT_EQ(process(), kEntries + 1);
    ASSERT_EQ(ring_.com_tail, kEntries + 1);
    for (uint32_t i = 0; i <= kEntries; ++i) {
        ASSERT_EQ(completion(i).id, i);
        ASSERT_EQ(completion(i).ret, SKIFF_HC_OK) << "entry " << i;
    }
    for (const auto& [buffer, want] : reads) {
        auto got = mem_.translate(buffer, kBlock);
        ASSERT_EQ(std::vector<uint8_t>(got.begin(), got.end()), std::vector<uint8_t>(kBlock, want))
            << "read into " << buffer;
    }
    for (uint64_t block = 0; block < kCapacity / kBlock; ++block)
        ASSERT_EQ(file_bytes(block * kBlock, kBlock), std::vector<uint8_t>(kBlock, latest[block])) << "block " << block;
    EXPECT_FALSE(disks_.at(kDisk).written.load()) << "the flush came last";
}

// A bad buffer is found before any I/O of its pass is issued past it: the entries before it are
// done and completed, it and those after it are not consumed, nothing of theirs is written.
TEST_P(BlockRingTest, ABadBufferStopsThePassBeforeItsIoIsSubmitted) {
    fill(kBuffers, kBlock, 0x11);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, kBlock, 1);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, kBlock, kVisible - kBlock / 2, kBlock, 2);  // runs past memory
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 2 * kBlock, kBuffers, kBlock, 3);
    try {
        process();
        ADD_FAILURE() << "no fault";
    } catch (const GuestFault& f) {
        EXPECT_NE(std::string(f.what()).find("block ring entry 1"), std::string::npos) << f.what();
    }
    EXPECT_EQ(ring_.ent_head, 1u);
    ASSERT_EQ(ring_.com_tail, 1u);
    EXPECT_EQ(completion(0).id, 1u);
    EXPECT_EQ(completion(0).ret, SKIFF_HC_OK);
    EXPECT_EQ(file_bytes(0, kBlock), std::vector<uint8_t>(kBlock, 0x11));
    EXPECT_EQ(file_bytes(kBlock, 2 * kBlock), std::vector<uint8_t>(2 * kBlock, 0));
}

// A file that ends before the capacity the guest was told (shrunk behind skiff's back): the read
// comes up short, as with pread the guest gets EUNSPEC and the end a line naming the read.
TEST_P(BlockRingTest, AnUnexpectedEndOfFileIsEunspec) {
    ASSERT_EQ(truncate(path_.c_str(), off_t(2 * kBlock)), 0);
    submit(SKIFF_RING_BLOCK_READ, kDisk, kBlock, kBuffers, 2 * kBlock, 1);  // half of it is there
    submit(SKIFF_RING_BLOCK_READ, kDisk, 8 * kBlock, kBuffers + 0x10000, kBlock, 2);
    submit(SKIFF_RING_BLOCK_READ, kDisk, 0, kBuffers + 0x20000, kBlock, 3);
    EXPECT_EQ(process(), 3u);
    EXPECT_EQ(completion(0).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(completion(1).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(completion(2).ret, SKIFF_HC_OK);
    Disk& disk = disks_.at(kDisk);
    EXPECT_EQ(disk.errors.load(), 2u);
    EXPECT_NE(disk.last_error_text().find("at offset"), std::string::npos) << disk.last_error_text();
    EXPECT_NE(disk.last_error_text().find("Input/output error"), std::string::npos) << disk.last_error_text();
}

INSTANTIATE_TEST_SUITE_P(Backends, BlockRingTest,
                         ::testing::Values(Backend::OneByOne, Backend::FakeRounds
#ifdef SKIFF_HAVE_LIBURING
                                           ,
                                           Backend::IoUring
#endif
                                           ),
                         backend_name);

// Where a pass is cut into rounds: a round never holds two requests whose order the guest could
// tell, so a flush waits for the writes before it and a read for the write it overlaps.
using BlockRingRounds = BlockRingTest;

TEST_P(BlockRingRounds, SplitOnlyWhereTheOrderMatters) {
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, 2 * kBlock, 1);
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 4 * kBlock, kBuffers, kBlock, 2);
    submit(SKIFF_RING_BLOCK_READ, kDisk, 8 * kBlock, kBuffers, kBlock, 3);
    submit(SKIFF_RING_BLOCK_READ, kDisk, 8 * kBlock, kBuffers, kBlock, 4);    // two reads: no order
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 5);                        // after both writes
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 10 * kBlock, kBuffers, kBlock, 6);  // need not wait for it
    submit(SKIFF_RING_BLOCK_READ, kDisk, kBlock, kBuffers, kBlock, 7);        // overlaps write 1: done
    submit(SKIFF_RING_BLOCK_DISCARD, kDisk, 10 * kBlock, 0, kBlock, 8);       // overlaps write 6
    submit(SKIFF_RING_BLOCK_READ, kDisk, 11 * kBlock, kBuffers, kBlock, 9);
    submit(SKIFF_RING_BLOCK_READ, kDisk, kCapacity, kBuffers, kBlock, 10);  // EINVAL: no I/O at all
    EXPECT_EQ(process(), 10u);
    EXPECT_EQ(rounds_, "W0+1024 W2048+512 R4096+512 R4096+512 | F W5120+512 R512+512 | D5120+512 R5632+512 | ");
    for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(completion(i).id, i + 1);
    EXPECT_EQ(completion(9).ret, SKIFF_HC_EINVAL);
}

INSTANTIATE_TEST_SUITE_P(Fake, BlockRingRounds, ::testing::Values(Backend::FakeRounds), backend_name);

#ifdef SKIFF_HAVE_LIBURING
// The fallbacks to pread/pwrite: where the kernel refuses a ring the reason is given for the note;
// under a filter skiff was started under (an orchestrator's) none is even tried, and nothing said.
TEST(UringIoOpen, SaysWhyTheKernelRefusedARing) {
    Disks disks("block");
    std::string why;
    EXPECT_EQ(UringIo::open(disks, 0, why), nullptr);  // a depth of 0: EINVAL
    EXPECT_EQ(why, "io_uring_setup: Invalid argument");
    why.clear();
    EXPECT_NE(UringIo::open(disks, SKIFF_RING_SLOTS, why), nullptr) << why;
}

// Under the block ring thread's seccomp filter a round needs io_uring_enter on the ring and nothing
// else (liburing maps and registers at set-up); without that rule it is a violation.
void round_on_filtered_thread(bool allow_enter) {
    FILE* file = tmpfile();
    Disks disks("block");
    Disk& disk = disks.add(kDisk);
    disk.fd = UniqueFd(dup(fileno(file)));
    disk.capacity = kCapacity;
    disk.block_size = kBlock;
    std::vector<uint8_t> bytes(kBlock, 0x42);
    const BlockIo ios[] = {{BlockOp::Write, &disk, 0, kBlock, {}, bytes},
                           {BlockOp::Write, &disk, 4 * kBlock, kBlock, {}, bytes}};
    UringIo uring(disks, 8);
    std::atomic<bool> ok{false}, done{false};
    SandboxedThread thread("block ring", [&] {
        BlockResult results[2] = {{SKIFF_HC_EUNSPEC}, {SKIFF_HC_EUNSPEC}};
        uring.run(ios, results);
        const BlockIo flush[] = {{BlockOp::Flush, &disk, 0, 0, {}, {}}};
        uring.run(flush, std::span(results, 1));
        ok.store(results[0].ret == SKIFF_HC_OK && results[1].ret == SKIFF_HC_OK);
        done.store(true);
    });
    SandboxPolicy policy;
    ThreadPolicy& rules = policy.io_thread(thread);
    if (allow_enter) uring.allow(rules);
    policy.install();
    while (!done.load()) {
    }
    _exit(ok.load() ? 0 : 3);
}

TEST(UringIoSandboxDeathTest, ARoundNeedsOnlyIoUringEnter) {
    EXPECT_EXIT(round_on_filtered_thread(true), ::testing::ExitedWithCode(0), "");
    EXPECT_EXIT(round_on_filtered_thread(false), ::testing::ExitedWithCode(kExitHostError),
                "skiff: sandbox violation: system call " + std::to_string(SCMP_SYS(io_uring_enter)));
}

TEST(UringIoOpenDeathTest, IsNotTriedUnderAnotherFilter) {
    EXPECT_EXIT(
        {
            scmp_filter_ctx outer = seccomp_init(SCMP_ACT_ALLOW);
            if (!outer || seccomp_load(outer) != 0) _exit(2);
            install_sigsys_handler();  // finds the filter
            Disks disks("block");
            std::string why;
            _exit(UringIo::open(disks, SKIFF_RING_SLOTS, why) == nullptr && why.empty() ? 0 : 3);
        },
        ::testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
}  // namespace skiff
