#include "sandbox/sigsys.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>

#include "arch/arch.h"
#include "common/error.h"

namespace skiff {
namespace {

std::atomic<bool> outer_filter{false};
thread_local const SyscallSet* own_filter = nullptr;

// Async-signal-safe: a fixed buffer and write(2).
[[noreturn]] void report_violation(int nr) {
    char msg[96] = "skiff: sandbox violation: system call ";
    size_t len = 38;
    char digits[12];
    int d = 0;
    do digits[d++] = char('0' + nr % 10);
    while ((nr /= 10) > 0 && d < 11);
    while (d > 0) msg[len++] = digits[--d];
    msg[len++] = '\n';
    (void)!::write(STDERR_FILENO, msg, len);
    _exit(kExitHostError);
}

void on_sigsys(int, siginfo_t* info, void* context) {
    const int nr = info->si_syscall;
    // Ours: refused by skiff's own filter (a call it never allows), or any call when no other
    // filter exists. Theirs: the outer filter's, turned into an error the caller handles.
    const bool ours = !outer_filter.load() ||
                      (own_filter && (nr < 0 || size_t(nr) >= own_filter->size() || !own_filter->test(size_t(nr))));
    if (ours) report_violation(nr);
    arch::set_syscall_result(context, -ENOSYS);
}

}  // namespace

void install_sigsys_handler() {
    static std::atomic<bool> installed{false};
    if (installed.exchange(true)) return;  // once: nothing it looks at changes while skiff runs
    outer_filter.store(true);              // until asked: a SIGSYS meanwhile can only be an outer filter's
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSYS, &sa, nullptr);
    outer_filter.store(seccomp_filter_in_force());
}

// Mode 2 (filter) from PR_GET_SECCOMP. No file is read: /proc may not be mounted where an
// orchestrator starts skiff, and reading it costs more.
bool seccomp_filter_in_force() {
    return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0;
}

bool under_outer_filter() {
    return outer_filter.load();
}

void own_filter_loaded(const SyscallSet* allowed) {
    own_filter = allowed;
}

}  // namespace skiff
