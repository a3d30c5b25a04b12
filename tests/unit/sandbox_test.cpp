// The seccomp policy, installed in a forked child (death tests), as the tender installs it after set-up.
#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"

namespace skiff {
namespace {

// Installs a policy allowing `block_fd` for block I/O, then runs `action`, then exits 0.
template <typename Action>
void sandboxed(int block_fd, Action action) {
    SandboxPolicy policy;
    policy.allow_vcpu_fd(-1);
    if (block_fd >= 0) policy.allow_block_fd(block_fd);
    policy.install();
    action();
    _exit(0);
}

std::string violation(long nr) {
    return "skiff: sandbox violation: system call " + std::to_string(nr);
}

TEST(SandboxDeathTest, AllowsConsoleOutput) {
    EXPECT_EXIT(sandboxed(-1, [] { (void)!write(STDOUT_FILENO, "", 0); }), testing::ExitedWithCode(0), "");
}

TEST(SandboxDeathTest, AllowsMessagesOnStderr) {
    EXPECT_EXIT(sandboxed(-1, [] { std::fprintf(stderr, "skiff: message %d\n", 42); }), testing::ExitedWithCode(0),
                "skiff: message 42");
}

TEST(SandboxDeathTest, AllowsPositionedIoOnBoundBlockFds) {
    FILE* f = tmpfile();
    ASSERT_NE(f, nullptr);
    const int fd = fileno(f);
    EXPECT_EXIT(sandboxed(fd,
                          [fd] {
                              char b = 'x';
                              if (pwrite(fd, &b, 1, 0) != 1 || pread(fd, &b, 1, 0) != 1) _exit(3);
                          }),
                testing::ExitedWithCode(0), "");
    fclose(f);
}

TEST(SandboxDeathTest, OpeningAFileKillsTheProcess) {
    EXPECT_EXIT(sandboxed(-1, [] { syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY); }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_openat));
}

TEST(SandboxDeathTest, BlockIoOnAnUnboundFdKillsTheProcess) {
    FILE* f = tmpfile();
    ASSERT_NE(f, nullptr);
    const int fd = fileno(f);
    EXPECT_EXIT(sandboxed(-1,
                          [fd] {
                              char b = 0;
                              (void)!pread(fd, &b, 1, 0);
                          }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_pread64));
    fclose(f);
}

TEST(SandboxDeathTest, WritingToAnyOtherFdKillsTheProcess) {
    FILE* f = tmpfile();
    ASSERT_NE(f, nullptr);
    const int fd = fileno(f);
    EXPECT_EXIT(sandboxed(-1, [fd] { (void)!write(fd, "x", 1); }), testing::ExitedWithCode(kExitHostError),
                violation(SYS_write));
    fclose(f);
}

TEST(SandboxDeathTest, ExecutableMappingsKillTheProcess) {
    EXPECT_EXIT(sandboxed(-1, [] { syscall(SYS_mmap, nullptr, 4096, 7, 0x22, -1, 0); }),
                testing::ExitedWithCode(kExitHostError), violation(SYS_mmap));
}

TEST(SandboxDeathTest, ForkingKillsTheProcess) {
    EXPECT_EXIT(sandboxed(-1, [] { syscall(SYS_fork); }), testing::ExitedWithCode(kExitHostError), violation(SYS_fork));
}

}  // namespace
}  // namespace skiff
