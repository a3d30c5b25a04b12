// The seccomp sandbox: one filter per thread, built from rules that the core and the enabled modules
// declare, each with its reason; the sandbox knows no module by name. Installed after all set-up and
// before the first guest instruction. Anything not allowed is a violation: the process reports the
// system call on one line and exits 254.
#pragma once

#include <seccomp.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/sigsys.h"

namespace skiff {

class SandboxedThread;

// Argument `index` (0-5) of a call equals `value`.
constexpr scmp_arg_cmp arg_equals(unsigned index, scmp_datum_t value) {
    return scmp_arg_cmp{index, SCMP_CMP_EQ, value, 0};
}
// Argument `index` ANDed with `mask` equals `value`.
constexpr scmp_arg_cmp arg_masked(unsigned index, scmp_datum_t mask, scmp_datum_t value) {
    return scmp_arg_cmp{index, SCMP_CMP_MASKED_EQ, mask, value};
}

// The allow-list of one thread.
class ThreadPolicy {
  public:
    explicit ThreadPolicy(std::string name) : name_(std::move(name)) {}
    const std::string& name() const { return name_; }

    // Allows `syscall` when every argument comparison holds (none: any arguments).
    void allow(int syscall, std::initializer_list<scmp_arg_cmp> args, const char* why);
    void allow(int syscall, const char* why) { allow(syscall, {}, why); }
    // Allows `syscall` when its first argument is `fd`.
    void allow_on_fd(int syscall, int fd, const char* why);
    // Allows ioctl(fd, request).
    void allow_ioctl(int fd, unsigned long request, const char* why);

    struct Rule {
        int syscall;
        std::vector<scmp_arg_cmp> args;
        const char* why;
    };
    const std::vector<Rule>& rules() const { return rules_; }

  private:
    std::string name_;
    std::vector<Rule> rules_;
};

class SandboxPolicy {
  public:
    SandboxPolicy();
    // The main thread: it runs the vCPU and serves the hypercalls.
    ThreadPolicy& vcpu_thread() { return vcpu_; }
    // An I/O thread a module started; install() hands it its filter.
    ThreadPolicy& io_thread(SandboxedThread& thread);

    // Loads the calling thread's filter, then each I/O thread's (on that thread). Returns false,
    // with every thread started unfiltered by skiff, when a filter skiff was started under forbids
    // adding one (the run goes on under that filter); SetupError if the kernel refuses otherwise.
    bool install();
    // No filter at all (--no-sandbox): the I/O threads start unfiltered.
    void release_unfiltered();

  private:
    ThreadPolicy vcpu_;
    std::vector<std::pair<SandboxedThread*, ThreadPolicy>> io_;
};

// A compiled filter for one thread.
class SeccompFilter {
  public:
    explicit SeccompFilter(const ThreadPolicy& policy);
    // Loads it for the calling thread only. Returns 0 or the errno the kernel gave.
    int load() const;

  private:
    struct Release {
        void operator()(void* ctx) const { seccomp_release(ctx); }
    };
    std::unique_ptr<void, Release> ctx_;
    SyscallSet allowed_;  // for the SIGSYS handler: which refusals are this filter's
};

// A module's I/O thread. It starts with every asynchronous signal blocked (so signals reach the vCPU
// thread, whose KVM_RUN they must interrupt) and runs `body` only once the sandbox handed it its
// filter, which it loads itself: it never runs unfiltered while skiff is sandboxed. Joined on
// destruction; if it was never released, `body` never runs.
class SandboxedThread {
  public:
    SandboxedThread(std::string name, std::function<void()> body);
    ~SandboxedThread();
    SandboxedThread(const SandboxedThread&) = delete;
    SandboxedThread& operator=(const SandboxedThread&) = delete;
    const std::string& name() const { return name_; }

    // Loads `filter` on the thread (nullptr: none) and starts `body`; returns the load's errno (0).
    int release(const SeccompFilter* filter);

  private:
    struct State;
    std::string name_;
    std::shared_ptr<State> state_;
};

}  // namespace skiff
