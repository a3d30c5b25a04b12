#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "common/error.h"
#include "fake_vcpu.h"
#include "hypercall/clock.h"
#include "hypercall/console.h"
#include "hypercall/poll.h"
#include "hypercall/run_loop.h"
#include "vcpu/run_control.h"

namespace skiff {
namespace {

using test::FakeVcpu;
constexpr uint64_t kMem = 4ull << 20;
constexpr uint64_t kArgs = 0x200000;  // where the tests put hypercall argument structures
constexpr uint64_t kData = 0x300000;

class Hypercalls : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(pipe2(out, O_NONBLOCK), 0);
        register_console(table, mem, out[1]);
        register_clock(table, mem);
        register_poll(table, mem, poll);
    }
    void TearDown() override {
        close(out[0]);
        close(out[1]);
    }
    std::string console() {
        char buf[256];
        ssize_t n = read(out[0], buf, sizeof buf);
        return n > 0 ? std::string(buf, size_t(n)) : "";
    }
    void halt_at(uint64_t gpa, int status) {
        mem.write(gpa, skiff_hc_halt{0, status, 0});
        vcpu.hypercall(SKIFF_HC_HALT, gpa);
    }
    std::string fault_of() {
        try {
            run_guest(vcpu, mem, table);
        } catch (const GuestFault& e) {
            return e.what();
        }
        return "no fault";
    }

    RunControl control;
    GuestMemory mem{kMem};
    HypercallTable table;
    PollSet poll{control.wake_fd()};
    FakeVcpu vcpu;
    int out[2];
};

TEST_F(Hypercalls, HaltReturnsTheGuestStatus) {
    halt_at(kArgs, 7);
    EXPECT_EQ(run_guest(vcpu, mem, table), 7);
}

TEST_F(Hypercalls, HaltKeepsTheLowEightBits) {
    halt_at(kArgs, -1);
    EXPECT_EQ(run_guest(vcpu, mem, table), 255);
}

TEST_F(Hypercalls, AbortWithATrapFrameCookieReportsIt) {
    const uint64_t frame[7] = {0x8, 0x2, 0x100abc, 0x8, 0x10046, 0x1fffe00, 0x10};
    std::memcpy(mem.translate_writable(kData, sizeof frame).data(), frame, sizeof frame);
    mem.write(kArgs, skiff_hc_halt{kData, 255, 0});
    vcpu.hypercall(SKIFF_HC_HALT, kArgs);
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_guest(vcpu, mem, table), 255);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "skiff: guest aborted with a trap frame: rip=0x100abc cr2=0x8 ec=0x2 rsp=0x1fffe00 rflags=0x10046\n");
}

TEST_F(Hypercalls, HaltWithCookieOutsideMemoryIsAFault) {
    mem.write(kArgs, skiff_hc_halt{kMem - 100, 255, 0});
    vcpu.hypercall(SKIFF_HC_HALT, kArgs);
    EXPECT_NE(fault_of().find("hypercall HALT: invalid guest access: gpa=0x3fff9c, len=512"), std::string::npos);
}

TEST_F(Hypercalls, PutsWritesTheGuestBytes) {
    std::memcpy(mem.translate_writable(kData, 5).data(), "hello", 5);
    mem.write(kArgs, skiff_hc_puts{kData, 5});
    vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    halt_at(kArgs + 64, 0);
    EXPECT_EQ(run_guest(vcpu, mem, table), 0);
    EXPECT_EQ(console(), "hello");
}

TEST_F(Hypercalls, PutsStraddlingTheEndOfMemoryIsAFaultWithRegisters) {
    mem.write(kArgs, skiff_hc_puts{kMem - 1, 2});
    vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    EXPECT_EQ(fault_of(),
              "guest fault: hypercall PUTS: invalid guest access: gpa=0x3fffff, len=2 (outside guest memory): " +
                  std::string(FakeVcpu::kRegisters));
    EXPECT_EQ(console(), "");
}

TEST_F(Hypercalls, PutsWithHugeLengthIsAFault) {
    mem.write(kArgs, skiff_hc_puts{kData, UINT64_MAX});
    vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    EXPECT_NE(fault_of().find("invalid guest access"), std::string::npos);
}

TEST_F(Hypercalls, ArgumentStructureOutsideMemoryIsAFault) {
    vcpu.hypercall(SKIFF_HC_PUTS, kMem - 8);
    EXPECT_NE(fault_of().find("hypercall PUTS: invalid guest access: gpa=0x3ffff8, len=16"), std::string::npos);
}

TEST_F(Hypercalls, WalltimeWritesTheHostClock) {
    vcpu.hypercall(SKIFF_HC_WALLTIME, kArgs);
    halt_at(kArgs + 64, 0);
    const auto before = std::chrono::system_clock::now().time_since_epoch();
    run_guest(vcpu, mem, table);
    const auto after = std::chrono::system_clock::now().time_since_epoch();
    const uint64_t ns = mem.read<uint64_t>(kArgs);
    EXPECT_GE(ns, uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(before).count()));
    EXPECT_LE(ns, uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(after).count()));
}

TEST_F(Hypercalls, WalltimeIntoReadOnlyMemoryIsAFault) {
    mem.protect_readonly(0, 0x100000, false);
    vcpu.hypercall(SKIFF_HC_WALLTIME, 0x10000);
    EXPECT_NE(fault_of().find("read-only for the guest"), std::string::npos);
}

TEST_F(Hypercalls, PollWithoutDevicesWaitsForTheTimeout) {
    mem.write(kArgs, skiff_hc_poll{20'000'000, 0xff, 5, 0});
    vcpu.hypercall(SKIFF_HC_POLL, kArgs);
    halt_at(kArgs + 64, 0);
    const auto start = std::chrono::steady_clock::now();
    run_guest(vcpu, mem, table);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, std::chrono::milliseconds(19));
    const auto result = mem.read<skiff_hc_poll>(kArgs);
    EXPECT_EQ(result.ready_set, 0u);
    EXPECT_EQ(result.ret, 0);
}

TEST_F(Hypercalls, PollReportsReadyDevicesByHandle) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    poll.add(3, fds[0], "net device 'three'");
    mem.write(kArgs, skiff_hc_poll{1'000'000'000, 0, 0, 0});
    vcpu.hypercall(SKIFF_HC_POLL, kArgs);
    halt_at(kArgs + 64, 0);
    run_guest(vcpu, mem, table);
    const auto result = mem.read<skiff_hc_poll>(kArgs);
    EXPECT_EQ(result.ready_set, 1u << 3);
    EXPECT_EQ(result.ret, 1);
    close(fds[0]);
    close(fds[1]);
}

// A device whose input can never come (a deleted tap reports an error) ends the run naming it,
// instead of a POLL that returns at once with nothing ready and a guest that spins.
TEST_F(Hypercalls, PollOnAFailedDeviceEndsTheRunNamingIt) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[1]);  // the read end now reports a hang-up
    poll.add(2, fds[0], "net device 'service' (tap gone0)");
    mem.write(kArgs, skiff_hc_poll{3'600'000'000'000, 0, 0, 0});
    vcpu.hypercall(SKIFF_HC_POLL, kArgs);
    const auto start = std::chrono::steady_clock::now();
    try {
        run_guest(vcpu, mem, table);
        ADD_FAILURE() << "POLL returned";
    } catch (const HostError& e) {
        EXPECT_STREQ(
            e.what(),
            "net device 'service' (tap gone0): the device failed or was removed while the guest waited for it");
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    close(fds[0]);
}

// An I/O thread's error while the guest waits in POLL for an hour ends the wait and the run at once.
TEST_F(Hypercalls, APendingFailureEndsALongPollAtOnce) {
    mem.write(kArgs, skiff_hc_poll{3'600'000'000'000, 0, 0, 0});
    vcpu.hypercall(SKIFF_HC_POLL, kArgs);
    halt_at(kArgs + 64, 0);
    std::thread failing([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        control.fail(std::make_exception_ptr(HostError("net device 'x': writing a frame failed: Input/output error")));
    });
    const auto start = std::chrono::steady_clock::now();
    try {
        run_guest(vcpu, mem, table, &control);
        ADD_FAILURE() << "the run went on";
    } catch (const HostError& e) {
        EXPECT_STREQ(e.what(), "net device 'x': writing a frame failed: Input/output error");
    }
    failing.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A guest fault found by another thread (a bad ring entry) is reported with the registers.
TEST_F(Hypercalls, AFaultFromAnotherThreadIsAGuestFaultWithRegisters) {
    control.fail(std::make_exception_ptr(GuestFault("net ring NET_WRITE: invalid guest access")));
    halt_at(kArgs, 0);
    try {
        run_guest(vcpu, mem, table, &control);
        ADD_FAILURE() << "the guest halted";
    } catch (const GuestFault& e) {
        EXPECT_EQ(std::string(e.what()),
                  std::string("guest fault: net ring NET_WRITE: invalid guest access: ") + FakeVcpu::kRegisters);
    }
}

TEST_F(Hypercalls, UnregisteredHypercallIsAFault) {
    vcpu.hypercall(SKIFF_HC_BLOCK_READ, kArgs);
    EXPECT_NE(fault_of().find("invalid hypercall 5 (not served by any enabled module)"), std::string::npos);
}

TEST_F(Hypercalls, ReservedHypercallZeroIsAFault) {
    vcpu.hypercall(0, kArgs);
    EXPECT_NE(fault_of().find("invalid hypercall 0"), std::string::npos);
}

TEST_F(Hypercalls, PortOutsideTheHypercallRangeIsAFault) {
    vcpu.hypercall(SKIFF_HC_MAX, kArgs);
    EXPECT_NE(fault_of().find("invalid port access: port=0x50b"), std::string::npos);
}

TEST_F(Hypercalls, PortInputIsAFault) {
    vcpu.port_access(SKIFF_HYPERCALL_PIO_BASE + SKIFF_HC_PUTS, uint32_t(kArgs), 4, false);
    EXPECT_NE(fault_of().find("invalid port access: port=0x502"), std::string::npos);
}

TEST_F(Hypercalls, ByteSizedPortWriteIsAFault) {
    vcpu.port_access(SKIFF_HYPERCALL_PIO_BASE + SKIFF_HC_PUTS, uint32_t(kArgs), 1);
    EXPECT_NE(fault_of().find("invalid port access"), std::string::npos);
}

TEST_F(Hypercalls, TripleFaultReportsRegisters) {
    VcpuExit e;
    e.kind = VcpuExit::Kind::Shutdown;
    vcpu.exit(e);
    const std::string fault = fault_of();
    EXPECT_NE(fault.find("triple fault"), std::string::npos);
    EXPECT_NE(fault.find("rip=0x100123"), std::string::npos);
    EXPECT_NE(fault.find("cr2=0x8"), std::string::npos);
}

TEST_F(Hypercalls, WriteToProtectedMemoryIsAFault) {
    VcpuExit e;
    e.kind = VcpuExit::Kind::MemoryFault;
    vcpu.exit(e);
    EXPECT_NE(fault_of().find("host/guest translation fault"), std::string::npos);
}

TEST_F(Hypercalls, EntryFailureIsAHostError) {
    VcpuExit e;
    e.kind = VcpuExit::Kind::FailEntry;
    e.detail = 0x21;
    vcpu.exit(e);
    EXPECT_THROW(run_guest(vcpu, mem, table), HostError);
}

// A KVM internal error is the host failing to run the guest (kvm-pvm and SSE, say): 254, with
// what it likely means on this host, not a guest fault.
TEST_F(Hypercalls, KvmInternalErrorIsAHostErrorWithAHint) {
    VcpuExit e;
    e.kind = VcpuExit::Kind::InternalError;
    e.detail = 1;
    e.what = "this host's /dev/kvm is kvm-pvm";
    vcpu.exit(e);
    try {
        run_guest(vcpu, mem, table);
        FAIL() << "the run went on";
    } catch (const HostError& err) {
        EXPECT_EQ(std::string(err.what()), std::string("KVM: internal error, suberror 1: this host's /dev/kvm is "
                                                       "kvm-pvm: ") +
                                               FakeVcpu::kRegisters);
        EXPECT_EQ(err.exit_code(), kExitHostError);
    }
}

TEST(Console, ATerminalGetsControlCharactersInCaretNotation) {
    const std::string guest = "ok\x1b]0;owned\x07 \x1b[6n\rskiff: forged\r\n\tend\x7f\xc3\xa9\n";
    EXPECT_EQ(neutralise_controls({reinterpret_cast<const uint8_t*>(guest.data()), guest.size()}),
              "ok^[]0;owned^G ^[[6n^Mskiff: forged\r\n\tend^?\xc3\xa9\n");
}

TEST_F(Hypercalls, PutsToATerminalNeutralisesControlsAndToAPipeKeepsThem) {
    HypercallTable terminal;
    register_console(terminal, mem, out[1], true);
    std::memcpy(mem.translate_writable(kData, 4).data(), "a\x1b[b", 4);
    mem.write(kArgs, skiff_hc_puts{kData, 4});
    vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    halt_at(kArgs + 64, 0);
    run_guest(vcpu, mem, terminal);
    EXPECT_EQ(console(), "a^[[b");
    vcpu.hypercall(SKIFF_HC_PUTS, kArgs);
    halt_at(kArgs + 64, 0);
    run_guest(vcpu, mem, table);
    EXPECT_EQ(console(), "a\x1b[b");
}

TEST_F(Hypercalls, AMillionHypercallsLeaveTheLoopCorrect) {
    mem.write(kArgs, skiff_hc_walltime{0});
    for (int i = 0; i < 1'000'000; ++i) vcpu.hypercall(SKIFF_HC_WALLTIME, kArgs);
    halt_at(kArgs + 64, 42);
    EXPECT_EQ(run_guest(vcpu, mem, table), 42);
    EXPECT_EQ(vcpu.runs, 1'000'001);
}

}  // namespace
}  // namespace skiff
