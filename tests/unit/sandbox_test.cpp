// The seccomp sandbox, installed in a forked child (death tests) as the tender installs it after
// set-up: the vCPU thread's filter, and an I/O thread's own, stricter one.
#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "sandbox/sigsys.h"

namespace skiff {
namespace {

using Rules = std::function<void(ThreadPolicy&)>;

// Installs a vCPU-thread policy with `rules`, then runs `action`, then exits 0.
void sandboxed(const Rules& rules, const std::function<void()>& action) {
    SandboxPolicy policy;
    rules(policy.vcpu_thread());
    policy.install();
    action();
    _exit(0);
}

// Starts an I/O thread whose policy has `rules`, installs the sandbox (the vCPU thread gets none
// of them), lets the thread run `action`, and exits 0 once it is done.
void on_io_thread(const Rules& rules, const std::function<void()>& action) {
    std::atomic<bool> done{false};
    SandboxedThread thread("test io", [&] {
        action();
        done.store(true);
    });
    SandboxPolicy policy;
    rules(policy.io_thread(thread));
    policy.install();
    while (!done.load()) {
    }
    _exit(0);
}

std::string violation(long nr) {
    return "skiff: sandbox violation: system call " + std::to_string(nr);
}

// A KVM VM and vCPU, or nothing where /dev/kvm cannot be used. KVM answers only the process that
// created them, so a death test makes its own in the child.
struct KvmFds {
    int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm = kvm >= 0 ? ioctl(kvm, KVM_CREATE_VM, 0) : -1;
    int vcpu = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, 0) : -1;
    bool usable() const { return vcpu >= 0; }
    ~KvmFds() {
        for (int fd : {vcpu, vm, kvm})
            if (fd >= 0) close(fd);
    }
};

int scratch_fd() {
    FILE* f = tmpfile();
    return f ? fileno(f) : -1;
}

TEST(SandboxDeathTest, AllowsWhatTheRulesSay) {
    const int fd = scratch_fd();
    ASSERT_GE(fd, 0);
    EXPECT_EXIT(sandboxed(
                    [fd](ThreadPolicy& rules) {
                        rules.allow_on_fd(SCMP_SYS(pwrite64), fd, "test");
                        rules.allow_on_fd(SCMP_SYS(pread64), fd, "test");
                        rules.allow_on_fd(SCMP_SYS(write), STDERR_FILENO, "test");
                    },
                    [fd] {
                        char b = 'x';
                        if (pwrite(fd, &b, 1, 0) != 1 || pread(fd, &b, 1, 0) != 1) _exit(3);
                        std::fprintf(stderr, "skiff: message %d\n", 42);
                    }),
                testing::ExitedWithCode(0), "skiff: message 42");
}

TEST(SandboxDeathTest, TheRuntimeMayAllocateAndFreeMemory) {
    EXPECT_EXIT(sandboxed([](ThreadPolicy&) {},
                          [] {
                              std::string big(64 << 20, 'x');  // mmap and munmap underneath
                              if (big[12345] != 'x') _exit(3);
                          }),
                testing::ExitedWithCode(0), "");
}

// Every forbidden call, each in its own child, against a vCPU-thread policy as the tender builds
// it: the vCPU fd with its three ioctls, stdout/stderr, a block fd for pread/pwrite/fdatasync.
struct Forbidden {
    const char* name;
    long syscall;
    std::function<void(const KvmFds&, int block_fd, int other_fd)> call;
};

class VcpuThreadFilter : public ::testing::TestWithParam<Forbidden> {};

TEST_P(VcpuThreadFilter, RefusesWithOneLineAndExit254) {
    if (!KvmFds().usable()) GTEST_SKIP() << "no usable /dev/kvm for a real vCPU fd";
    const int block = scratch_fd(), other = scratch_fd();
    ASSERT_GE(other, 0);
    const Forbidden& f = GetParam();
    std::unique_ptr<KvmFds> in_child;
    EXPECT_EXIT(sandboxed(
                    [&](ThreadPolicy& rules) {
                        in_child = std::make_unique<KvmFds>();
                        const KvmFds& kvm = *in_child;
                        rules.allow_ioctl(kvm.vcpu, KVM_RUN, "test");
                        rules.allow_ioctl(kvm.vcpu, KVM_GET_REGS, "test");
                        rules.allow_ioctl(kvm.vcpu, KVM_GET_SREGS, "test");
                        rules.allow_on_fd(SCMP_SYS(write), STDOUT_FILENO, "test");
                        rules.allow_on_fd(SCMP_SYS(write), STDERR_FILENO, "test");
                        rules.allow_on_fd(SCMP_SYS(pread64), block, "test");
                        rules.allow_on_fd(SCMP_SYS(pwrite64), block, "test");
                        rules.allow_on_fd(SCMP_SYS(fdatasync), block, "test");
                    },
                    [&] { f.call(*in_child, block, other); }),
                testing::ExitedWithCode(kExitHostError), violation(f.syscall));
}

INSTANTIATE_TEST_SUITE_P(
    Calls, VcpuThreadFilter,
    ::testing::Values(
        Forbidden{"openat", SYS_openat,
                  [](auto&, int, int) { syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); }},
        Forbidden{"execve", SYS_execve,
                  [](auto&, int, int) {
                      char* argv[] = {nullptr};
                      syscall(SYS_execve, "/bin/true", argv, argv);
                  }},
        Forbidden{"socket", SYS_socket, [](auto&, int, int) { syscall(SYS_socket, AF_INET, SOCK_STREAM, 0); }},
        Forbidden{"fork", SYS_fork, [](auto&, int, int) { syscall(SYS_fork); }},
        Forbidden{"mmap_exec", SYS_mmap,
                  [](auto&, int, int) { syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_EXEC, 0x22, -1, 0); }},
        Forbidden{"mprotect_exec", SYS_mprotect,
                  [](auto&, int, int) {
                      alignas(4096) static char page[4096];
                      syscall(SYS_mprotect, page, 4096, PROT_READ | PROT_EXEC);
                  }},
        Forbidden{"pread_other_fd", SYS_pread64,
                  [](auto&, int, int other) {
                      char b;
                      syscall(SYS_pread64, other, &b, 1, 0);
                  }},
        Forbidden{"read_block_fd", SYS_read,
                  [](auto&, int block, int) {
                      char b;
                      syscall(SYS_read, block, &b, 1);
                  }},
        Forbidden{"write_other_fd", SYS_write, [](auto&, int, int other) { syscall(SYS_write, other, "x", 1); }},
        Forbidden{"ioctl_other_fd", SYS_ioctl, [](auto&, int, int other) { syscall(SYS_ioctl, other, KVM_RUN, 0); }},
        Forbidden{"kvm_create_vcpu", SYS_ioctl,
                  [](const KvmFds& k, int, int) { syscall(SYS_ioctl, k.vm, KVM_CREATE_VCPU, 1); }},
        Forbidden{"kvm_set_regs", SYS_ioctl,
                  [](const KvmFds& k, int, int) {
                      kvm_regs regs{};
                      syscall(SYS_ioctl, k.vcpu, KVM_SET_REGS, &regs);
                  }},
        Forbidden{"kvm_set_user_memory", SYS_ioctl,
                  [](const KvmFds& k, int, int) {
                      kvm_userspace_memory_region r{};
                      syscall(SYS_ioctl, k.vm, KVM_SET_USER_MEMORY_REGION, &r);
                  }},
        Forbidden{"kvm_run_on_the_system_fd", SYS_ioctl,
                  [](const KvmFds& k, int, int) { syscall(SYS_ioctl, k.kvm, KVM_RUN, 0); }}),
    [](const testing::TestParamInfo<Forbidden>& info) { return std::string(info.param.name); });

TEST(SandboxDeathTest, TheVcpuFdsIoctlsAreAllowed) {
    if (!KvmFds().usable()) GTEST_SKIP() << "no usable /dev/kvm for a real vCPU fd";
    std::unique_ptr<KvmFds> kvm;
    EXPECT_EXIT(sandboxed(
                    [&](ThreadPolicy& rules) {
                        kvm = std::make_unique<KvmFds>();
                        rules.allow_ioctl(kvm->vcpu, KVM_GET_REGS, "test");
                    },
                    [&] {
                        kvm_regs regs{};
                        if (ioctl(kvm->vcpu, KVM_GET_REGS, &regs) != 0) _exit(3);
                    }),
                testing::ExitedWithCode(0), "");
}

TEST(SandboxDeathTest, AnIoThreadMayDoWhatItsRulesSay) {
    const int fd = scratch_fd();
    ASSERT_GE(fd, 0);
    EXPECT_EXIT(on_io_thread([fd](ThreadPolicy& rules) { rules.allow_on_fd(SCMP_SYS(write), fd, "test"); },
                             [fd] {
                                 if (write(fd, "x", 1) != 1) _exit(3);
                             }),
                testing::ExitedWithCode(0), "");
}

// The I/O thread gets only its own rules: what the vCPU thread may do (KVM_RUN, console output)
// is refused there.
TEST(SandboxDeathTest, AnIoThreadCannotRunTheVcpu) {
    if (!KvmFds().usable()) GTEST_SKIP() << "no usable /dev/kvm for a real vCPU fd";
    std::unique_ptr<KvmFds> kvm;
    EXPECT_EXIT(on_io_thread([&](ThreadPolicy&) { kvm = std::make_unique<KvmFds>(); },
                             [&] { syscall(SYS_ioctl, kvm->vcpu, KVM_RUN, 0); }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_ioctl));
}

TEST(SandboxDeathTest, AnIoThreadCannotWriteTheConsole) {
    EXPECT_EXIT(on_io_thread([](ThreadPolicy&) {}, [] { syscall(SYS_write, STDOUT_FILENO, "x", 1); }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_write));
}

TEST(SandboxDeathTest, AnIoThreadCannotOpenFiles) {
    EXPECT_EXIT(on_io_thread([](ThreadPolicy&) {}, [] { syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_openat));
}

// A thread that is never released never runs its body: it cannot act unfiltered.
TEST(SandboxedThread, NeverReleasedNeverRuns) {
    std::atomic<bool> ran{false};
    {
        SandboxedThread thread("idle", [&] { ran.store(true); });
    }
    EXPECT_FALSE(ran.load());
}

TEST(SandboxedThread, ReleasedWithoutAFilterRuns) {
    std::atomic<bool> ran{false};
    {
        SandboxedThread thread("free", [&] { ran.store(true); });
        EXPECT_EQ(thread.release(nullptr), 0);
    }
    EXPECT_TRUE(ran.load());
}

// What /proc/self/status says of this thread: the oracle for the prctl-based check.
bool proc_says_filtered() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return false;
    char line[256];
    bool filtered = false;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "Seccomp:", 8) == 0) filtered = std::atoi(line + 8) == 2;
    std::fclose(f);
    return filtered;
}

TEST(OuterFilter, AgreesWithProcWithoutOne) {
    if (access("/proc/self/status", R_OK) != 0) GTEST_SKIP() << "no /proc to compare with";
    EXPECT_EQ(seccomp_filter_in_force(), proc_says_filtered());
}

// A filter someone else started skiff under is seen whatever it does with prctl: allows it (mode
// 2), refuses it with an errno, or traps it (the handler turns that into ENOSYS).
[[noreturn]] void started_under_filter(uint32_t prctl_action) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || (prctl_action != SCMP_ACT_ALLOW && seccomp_rule_add(ctx, prctl_action, SCMP_SYS(prctl), 0) != 0) ||
        seccomp_load(ctx) != 0)
        _exit(2);
    install_sigsys_handler();
    _exit(under_outer_filter() ? 7 : 3);
}

TEST(OuterFilterDeathTest, IsSeenWhetherItAllowsRefusesOrTrapsPrctl) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process: the handler installs once
    EXPECT_EXIT(started_under_filter(SCMP_ACT_ALLOW), testing::ExitedWithCode(7), "");
    EXPECT_EXIT(started_under_filter(SCMP_ACT_ERRNO(EPERM)), testing::ExitedWithCode(7), "");
    EXPECT_EXIT(started_under_filter(SCMP_ACT_TRAP), testing::ExitedWithCode(7), "");
}

TEST(OuterFilterDeathTest, IsNotSeenWithoutOne) {
    if (proc_says_filtered()) GTEST_SKIP() << "these tests run under a seccomp filter already";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            install_sigsys_handler();
            _exit(under_outer_filter() ? 7 : 3);
        },
        testing::ExitedWithCode(3), "");
}

}  // namespace
}  // namespace skiff
