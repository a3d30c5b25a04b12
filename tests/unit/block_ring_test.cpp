// The block ring's protocol (src/modules/block/block_ring.h) driven by hand: the test plays the
// guest on a real GuestMemory, with a temporary file behind one disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "modules/block/block_ring.h"
#include "modules/ring/ring_server.h"
#include "skiff/abi/hypercall.h"
#include "skiff/abi/ring.h"

namespace skiff {
namespace {

constexpr uint64_t kVisible = 4 << 20;
constexpr uint32_t kDisk = 1;
constexpr uint64_t kBlock = 512;
constexpr uint64_t kCapacity = 64 * kBlock;
constexpr uint64_t kBuffers = 0x200000;

class BlockRingTest : public ::testing::Test {
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
    uint32_t process() { return process_block_ring(ring_, mem_, disks_); }
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
};

TEST_F(BlockRingTest, WritesReadsAndFlushesCompleteInOrderWithTheirIds) {
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

TEST_F(BlockRingTest, DiscardReadsBackZerosAndRangesPastTheEndAreEinval) {
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

TEST_F(BlockRingTest, OnlyAsManyAsThereIsRoomForCompletions) {
    ring_.com_tail = 1000;  // 1000 completions the guest has not consumed: room for 24
    ring_.com_head = 0;
    for (uint32_t i = 0; i < 30; ++i) submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, i);
    EXPECT_EQ(process(), 24u);
    EXPECT_EQ(ring_.ent_head, 24u);
    EXPECT_EQ(process(), 0u);
    ring_.com_head = 1000;  // the guest catches up
    EXPECT_EQ(process(), 6u);
}

TEST_F(BlockRingTest, ReadOnlyDevicesRefuseWritesAndHostErrorsReachTheGuest) {
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
    disk.fd.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    submit(SKIFF_RING_BLOCK_WRITE, kDisk, 0, kBuffers, kBlock, 3);
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 4);
    EXPECT_EQ(process(), 2u);
    EXPECT_EQ(completion(2).ret, SKIFF_HC_EUNSPEC);
    EXPECT_EQ(disk.errors.load(), 1u);
    EXPECT_NE(disk.last_error_text().find("write at offset 0"), std::string::npos) << disk.last_error_text();
    // A flush that fails is the guest's to hear and the end's to report (exit 254).
    EXPECT_FALSE(disk.flush_failed.load());
    disk.fd.reset();  // fdatasync(-1): EBADF
    submit(SKIFF_RING_BLOCK_FLUSH, kDisk, 0, 0, 0, 5);
    EXPECT_EQ(process(), 1u);
    EXPECT_EQ(completion(4).ret, SKIFF_HC_EUNSPEC);
    EXPECT_TRUE(disk.flush_failed.load());
    EXPECT_EQ(disk.errors.load(), 2u);
}

TEST_F(BlockRingTest, WhatTheAbiMakesFatalIsAGuestFault) {
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

}  // namespace
}  // namespace skiff
