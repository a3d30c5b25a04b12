// The host side of ring I/O (docs/guest-abi.md §6), driven without threads or KVM: the test plays the
// guest on a real GuestMemory with a ring reservation, and a SOCK_DGRAM socketpair stands in for a
// tap (one datagram = one frame).
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "arch/x86_64/page_tables.h"
#include "common/error.h"
#include "common/unique_fd.h"
#include "memory/layout.h"
#include "modules/net/ring.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/hypercall.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

constexpr uint64_t kVisible = 4 << 20;
constexpr uint32_t kNet = 1;             // the handle with a device behind it
constexpr uint64_t kBuffers = 0x200000;  // guest buffers, one per slot
constexpr uint32_t kMaxFrame = 1514;

class NetRingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
        Tap tap;
        tap.fd.reset(fds[0]);
        tap.mtu = kMaxFrame - kEthernetHeader;
        tap.label = "net device 'test'";
        taps_.add(kNet, std::move(tap));
        peer_.reset(fds[1]);
    }

    // What the guest does: fill the entry at ent_tail, then publish it.
    void submit(uint32_t op, uint32_t handle, uint64_t data, uint32_t len, uint32_t id = 0) {
        skiff_ring_submission& e = ring_.ent[ring_.ent_tail % SKIFF_RING_SLOTS];
        e = skiff_ring_submission{op, handle, data, len, id, 0};
        ++ring_.ent_tail;
    }
    uint64_t buffer(uint32_t slot) const {
        return kBuffers + uint64_t(slot % SKIFF_RING_SLOTS) * SKIFF_RING_BUFFER_SIZE;
    }
    void put_frame(uint64_t gpa, const std::vector<uint8_t>& frame) {
        auto dst = mem_.translate_writable(gpa, frame.size());
        std::memcpy(dst.data(), frame.data(), frame.size());
    }
    // SIZE bytes counting up from SEQ, the first four holding SEQ itself.
    std::vector<uint8_t> frame_of(uint32_t seq, size_t size = 64) const {
        std::vector<uint8_t> f;
        for (size_t i = 0; i < size; ++i) f.push_back(i < sizeof seq ? uint8_t(seq >> (8 * i)) : uint8_t(seq + i));
        return f;
    }
    std::vector<uint8_t> received() {
        std::vector<uint8_t> f(4096);
        const ssize_t n = recv(peer_.get(), f.data(), f.size(), 0);
        f.resize(n < 0 ? 0 : size_t(n));
        return f;
    }
    uint32_t process() { return process_ring(ring_, mem_, taps_); }

    GuestMemory mem_{kVisible, SKIFF_RING_RESERVATION};
    skiff_ring& ring_ = ring_in(mem_.reservation(kVisible, SKIFF_RING_RESERVATION));
    Taps taps_{"net"};
    UniqueFd peer_;
};

TEST_F(NetRingTest, RingLiesRightAboveTheVisibleMemory) {
    EXPECT_EQ(reinterpret_cast<uint8_t*>(&ring_), static_cast<uint8_t*>(mem_.host_base()) + kVisible);
    EXPECT_EQ(ring_.ent_tail | ring_.ent_head | ring_.com_tail | ring_.needs_kick, 0u);
}

TEST_F(NetRingTest, WritesReachTheFdInOrderWithoutCompletions) {
    for (uint32_t i = 0; i < 3; ++i) {
        put_frame(buffer(i), frame_of(i, 60 + i));
        submit(SKIFF_RING_NET_WRITE, kNet, buffer(i), 60 + i);
    }
    EXPECT_EQ(process(), 3u);
    for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(received(), frame_of(i, 60 + i));
    EXPECT_EQ(ring_.ent_head, 3u);
    EXPECT_EQ(ring_.com_tail, 0u);
    EXPECT_EQ(process(), 0u);
}

TEST_F(NetRingTest, ReadCompletesWithTheIdAndTheFrameLength) {
    const auto frame = frame_of(9, 100);
    ASSERT_EQ(send(peer_.get(), frame.data(), frame.size(), 0), 100);
    submit(SKIFF_RING_NET_READ, kNet, buffer(0), SKIFF_RING_BUFFER_SIZE, 0xC0FFEE);
    EXPECT_EQ(process(), 1u);
    ASSERT_EQ(ring_.com_tail, 1u);
    EXPECT_EQ(ring_.com[0].id, 0xC0FFEEu);
    EXPECT_EQ(ring_.com[0].ret, SKIFF_HC_OK);
    EXPECT_EQ(ring_.com[0].len, 100u);
    auto got = mem_.translate(buffer(0), 100);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), frame.begin()));
    EXPECT_EQ(ring_.ent_head, 1u);
}

TEST_F(NetRingTest, ReadWithNothingQueuedIsAgain) {
    submit(SKIFF_RING_NET_READ, kNet, buffer(0), SKIFF_RING_BUFFER_SIZE, 5);
    process();
    ASSERT_EQ(ring_.com_tail, 1u);
    EXPECT_EQ(ring_.com[0].id, 5u);
    EXPECT_EQ(ring_.com[0].ret, SKIFF_HC_AGAIN);
    EXPECT_EQ(ring_.com[0].len, 0u);
}

TEST_F(NetRingTest, BadHandlesSkipWritesAndFailReads) {
    put_frame(buffer(0), frame_of(1));
    for (uint32_t handle : {0u, 2u, 63u, 64u, 0xFFFFFFFFu}) submit(SKIFF_RING_NET_WRITE, handle, buffer(0), 64);
    submit(SKIFF_RING_NET_READ, 7, buffer(1), 2048, 11);
    submit(SKIFF_RING_NET_READ, 1000, buffer(1), 2048, 12);
    EXPECT_EQ(process(), 7u);
    EXPECT_TRUE(received().empty());  // nothing was written anywhere
    ASSERT_EQ(ring_.com_tail, 2u);
    EXPECT_EQ(ring_.com[0].id, 11u);
    EXPECT_EQ(ring_.com[0].ret, SKIFF_HC_EINVAL);
    EXPECT_EQ(ring_.com[1].id, 12u);
    EXPECT_EQ(ring_.com[1].ret, SKIFF_HC_EINVAL);
}

TEST_F(NetRingTest, UnknownOperationsAndBadLengthsAreSkipped) {
    put_frame(buffer(0), frame_of(1));
    submit(0, kNet, buffer(0), 64);
    submit(3, kNet, buffer(0), 64);
    submit(SKIFF_RING_NET_WRITE, kNet, buffer(0), 0);
    submit(SKIFF_RING_NET_WRITE, kNet, buffer(0), 1);                    // a runt: no whole header
    submit(SKIFF_RING_NET_WRITE, kNet, buffer(0), kEthernetHeader - 1);  // still a runt
    submit(SKIFF_RING_NET_WRITE, kNet, buffer(0), kMaxFrame + 1);
    submit(SKIFF_RING_NET_WRITE, kNet, buffer(0), 64);  // the one that goes out
    EXPECT_EQ(process(), 7u);
    EXPECT_EQ(received(), frame_of(1));
    EXPECT_TRUE(received().empty());
    EXPECT_EQ(ring_.com_tail, 0u);
}

TEST_F(NetRingTest, BufferOutsideTheVisibleMemoryIsFatal) {
    // Past the end, straddling it, and inside the ring itself: none is a valid guest buffer.
    for (uint64_t gpa : {kVisible + 0x10000, kVisible - 10, kVisible, uint64_t(0xFFFFFFFFFFFFFFF0)}) {
        submit(SKIFF_RING_NET_WRITE, kNet, gpa, 64);
        EXPECT_THROW(process(), GuestFault) << gpa;
        ring_.ent_head = ring_.ent_tail;  // skip it, as a test; a real run has ended here
        submit(SKIFF_RING_NET_READ, kNet, gpa, 64);
        EXPECT_THROW(process(), GuestFault) << gpa;
        ring_.ent_head = ring_.ent_tail;
    }
    EXPECT_TRUE(received().empty());
}

TEST_F(NetRingTest, ReadIntoReadOnlyMemoryIsFatal) {
    mem_.protect_readonly(0x100000, 0x101000, false);
    submit(SKIFF_RING_NET_READ, kNet, 0x100000, 64);
    EXPECT_THROW(process(), GuestFault);
}

TEST_F(NetRingTest, FaultMessageNamesTheRingAndTheAddress) {
    submit(SKIFF_RING_NET_WRITE, kNet, kVisible, 64);
    try {
        process();
        FAIL() << "no fault";
    } catch (const GuestFault& f) {
        EXPECT_NE(std::string(f.what()).find("net ring NET_WRITE: invalid guest access: gpa=0x400000"),
                  std::string::npos)
            << f.what();
    }
}

TEST_F(NetRingTest, IndicesWrapPastTwoToThe32) {
    const uint32_t start = 0xFFFFFFFEu;
    ring_.ent_tail = ring_.ent_head = ring_.com_tail = ring_.com_head = start;
    for (uint32_t i = 0; i < 4; ++i) {
        put_frame(buffer(start + i), frame_of(i));
        submit(SKIFF_RING_NET_WRITE, kNet, buffer(start + i), 64);
    }
    const auto frame = frame_of(42, 80);
    ASSERT_EQ(send(peer_.get(), frame.data(), frame.size(), 0), 80);
    submit(SKIFF_RING_NET_READ, kNet, buffer(start + 4), 2048, 3);
    EXPECT_EQ(process(), 5u);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(received(), frame_of(i));  // slots 1022, 1023, 0, 1
    EXPECT_EQ(ring_.ent_head, 3u);
    EXPECT_EQ(ring_.com_tail, start + 1);
    EXPECT_EQ(ring_.com[start % SKIFF_RING_SLOTS].id, 3u);
    EXPECT_EQ(ring_.com[start % SKIFF_RING_SLOTS].len, 80u);
}

TEST_F(NetRingTest, MoreFramesThanSlotsGoOutInOrder) {
    // Twelve batches of 128 (the socketpair queues fewer datagrams than a full ring): 1536 frames
    // through 1024 slots.
    uint32_t seq = 0, next = 0;
    for (int batch = 0; batch < 12; ++batch) {
        for (int i = 0; i < 128; ++i, ++seq) {
            put_frame(buffer(seq), frame_of(seq));
            submit(SKIFF_RING_NET_WRITE, kNet, buffer(seq), 64);
        }
        EXPECT_EQ(process(), 128u);
        for (std::vector<uint8_t> f = received(); !f.empty(); f = received(), ++next) ASSERT_EQ(f, frame_of(next));
    }
    EXPECT_EQ(next, 1536u);
    EXPECT_EQ(ring_.ent_head, 1536u);
}

TEST_F(NetRingTest, TailMoreThanARingAheadIsFatal) {
    ring_.ent_tail = SKIFF_RING_SLOTS + 1;
    EXPECT_THROW(process(), GuestFault);
    ring_.ent_tail = SKIFF_RING_SLOTS;  // a full ring is fine (only unknown operation 0 in it)
    EXPECT_EQ(process(), SKIFF_RING_SLOTS);
}

TEST(NetRingLayout, ReservedAboveTheVisibleMemoryAndCappedAt4GiB) {
    EXPECT_EQ(guest_memory_layout(32 << 20, {}).visible, 32u << 20);
    EXPECT_EQ(guest_memory_layout(32 << 20, {}).reserved, 0u);
    const MemoryLayout with_ring = guest_memory_layout(32 << 20, {SKIFF_RING_RESERVATION});
    EXPECT_EQ(with_ring.visible, 32u << 20);
    EXPECT_EQ(with_ring.reserved, SKIFF_RING_RESERVATION);
    EXPECT_EQ(with_ring.reservations, std::vector<uint64_t>{32u << 20});  // the ring lies at mem_size
    const MemoryLayout capped = guest_memory_layout(SKIFF_MEM_MAX, {SKIFF_RING_RESERVATION});
    EXPECT_EQ(capped.visible, SKIFF_MEM_MAX - SKIFF_RING_RESERVATION);
    EXPECT_EQ(capped.total(), SKIFF_MEM_MAX);
    GuestMemory plain(2 << 20);
    EXPECT_THROW(plain.reservation(2 << 20, sizeof(skiff_ring)), std::logic_error);
    EXPECT_THROW(ring_in({}), std::logic_error);
}

TEST(NetRingLayout, GuestMapsTheRingReadWriteNoExecuteButHypercallsCannotUseIt) {
    GuestMemory mem(kVisible, SKIFF_RING_RESERVATION);
    EXPECT_EQ(mem.mapped_size(), kVisible + SKIFF_RING_RESERVATION);
    x86::build_page_tables(mem, LoadPlan{});
    const uint64_t pte = x86::lookup_pte(mem, kVisible);
    EXPECT_TRUE(pte & x86::kPtePresent);
    EXPECT_TRUE(pte & x86::kPteWritable);
    EXPECT_TRUE(pte & x86::kPteNoExecute);
    EXPECT_EQ(x86::lookup_pte(mem, kVisible + SKIFF_RING_RESERVATION), 0u);  // nothing beyond it
    EXPECT_THROW(mem.translate(kVisible, 1), GuestFault);
    EXPECT_THROW(mem.translate(kVisible - 8, 16), GuestFault);
    EXPECT_NO_THROW(mem.translate(kVisible - 8, 8));
}

}  // namespace
}  // namespace skiff

namespace skiff {
namespace {

// Frames the guest queued right before HALT, without a kick, still go out: stop() makes one last
// pass after the ring thread has gone to sleep.
TEST_F(NetRingTest, StopSendsWhatWasQueuedWhileTheThreadSlept) {
    RunControl control;
    UniqueFd kick(eventfd(0, EFD_CLOEXEC));
    ASSERT_TRUE(kick.valid());
    NetRing ring(mem_, mem_.reservation(kVisible, SKIFF_RING_RESERVATION), taps_, std::move(kick), control);
    SandboxPolicy policy;
    ring.allow(policy);
    policy.release_unfiltered();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::atomic_ref<uint32_t>(ring_.needs_kick).load() == 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the ring thread never went to sleep";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (uint32_t i = 0; i < 3; ++i) {
        put_frame(buffer(i), frame_of(i));
        submit(SKIFF_RING_NET_WRITE, kNet, buffer(i), 64);
    }
    ring.stop();
    for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(received(), frame_of(i));
}

}  // namespace
}  // namespace skiff
