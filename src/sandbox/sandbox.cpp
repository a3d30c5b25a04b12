#include "sandbox/sandbox.h"

#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/error.h"

namespace skiff {
namespace {

struct FilterCloser {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterCloser>;

// SIGSYS from the filter: say which call was refused, then exit. Async-signal-safe calls only.
void on_violation(int, siginfo_t* info, void*) {
    char msg[96] = "skiff: sandbox violation: system call ";
    size_t len = 38;
    int nr = info->si_syscall;
    char digits[12];
    int d = 0;
    do digits[d++] = char('0' + nr % 10);
    while ((nr /= 10) > 0 && d < 11);
    while (d > 0) msg[len++] = digits[--d];
    msg[len++] = '\n';
    (void)!::write(STDERR_FILENO, msg, len);
    _exit(kExitHostError);
}

void add(void* ctx, int syscall, std::initializer_list<scmp_arg_cmp> args = {}) {
    const int rc =
        seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, syscall, static_cast<unsigned>(args.size()), args.begin());
    if (rc != 0) throw UsageError("sandbox: cannot add a rule for system call " + std::to_string(syscall));
}

void allow_on_fds(void* ctx, int syscall, const std::vector<int>& fds) {
    for (int fd : fds) add(ctx, syscall, {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(fd))});
}

}  // namespace

void SandboxPolicy::install() const {
    struct sigaction sa {};
    sa.sa_sigaction = on_violation;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, nullptr);

    Filter ctx(seccomp_init(SCMP_ACT_TRAP));
    if (!ctx) throw UsageError("sandbox: seccomp_init failed");
    void* f = ctx.get();
    // The vCPU: run it, and read its registers to report a fault.
    for (scmp_datum_t request : {scmp_datum_t(KVM_RUN), scmp_datum_t(KVM_GET_REGS), scmp_datum_t(KVM_GET_SREGS)})
        add(f, SCMP_SYS(ioctl),
            {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(vcpu_fd_)), SCMP_A1(SCMP_CMP_EQ, request)});
    // Console and messages.
    allow_on_fds(f, SCMP_SYS(write), {STDOUT_FILENO, STDERR_FILENO});
    // Devices of the enabled modules, each call on its own fds only.
    allow_on_fds(f, SCMP_SYS(read), net_fds_);
    allow_on_fds(f, SCMP_SYS(write), net_fds_);
    allow_on_fds(f, SCMP_SYS(pread64), block_fds_);
    allow_on_fds(f, SCMP_SYS(pwrite64), block_fds_);
    allow_on_fds(f, SCMP_SYS(fdatasync), block_fds_);
    if (ring_kick_fd_ >= 0) {
        allow_on_fds(f, SCMP_SYS(read), {ring_kick_fd_});
        allow_on_fds(f, SCMP_SYS(write), {ring_kick_fd_});
        add(f, SCMP_SYS(tgkill),
            {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(ring_signal_pid_)),
             SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(ring_signal_tid_)), SCMP_A2(SCMP_CMP_EQ, SIGUSR1)});
    }
    // Waiting, clocks, memory without execute permission, and a clean exit.
    for (int sc :
         {SCMP_SYS(ppoll), SCMP_SYS(clock_gettime), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(close),
          SCMP_SYS(futex), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit), SCMP_SYS(exit_group)})
        add(f, sc);
    add(f, SCMP_SYS(mmap), {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)});
    add(f, SCMP_SYS(mprotect), {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)});
#ifdef __SANITIZE_ADDRESS__
    // Sanitizer builds only (tools/sanitize.sh): ASan's runtime checks memory through a pipe.
    add(f, SCMP_SYS(pipe2));
    add(f, SCMP_SYS(read));
    add(f, SCMP_SYS(write));
#endif

    // TSYNC: threads started before this point (the net ring's) get the same filter.
    if (seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 1) != 0 || seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
        seccomp_load(f) != 0)
        throw UsageError("sandbox: cannot install the seccomp filter");
}

}  // namespace skiff
