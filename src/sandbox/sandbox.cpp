#include "sandbox/sandbox.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace skiff {
namespace {

// SIGSYS from a filter: say which call was refused, then exit. Async-signal-safe calls only.
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

void add(void* ctx, const ThreadPolicy::Rule& rule) {
    if (seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, rule.syscall, unsigned(rule.args.size()), rule.args.data()) != 0)
        throw SetupError("sandbox: cannot add a rule for system call " + std::to_string(rule.syscall) + " (" +
                         rule.why + ")");
}

// What every thread needs to run C++ code and to end: memory without execute permission, futexes,
// clocks where the vDSO falls back to the kernel, signal returns and masks, messages on stderr (the
// violation handler runs on the violating thread), closing what set-up opened, exit.
ThreadPolicy runtime_rules() {
    ThreadPolicy rules("runtime");
    const char* why = "the C/C++ runtime: allocation, locks, clocks, signals, exit";
    for (int sc :
         {SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(clock_gettime),
          SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group)})
        rules.allow(sc, why);
    rules.allow_on_fd(SCMP_SYS(write), STDERR_FILENO, "one-line messages, a violation's too");
    rules.allow(SCMP_SYS(mmap), {arg_masked(2, PROT_EXEC, 0)}, "memory, never executable");
    rules.allow(SCMP_SYS(mprotect), {arg_masked(2, PROT_EXEC, 0)}, "memory, never executable");
#ifdef __SANITIZE_ADDRESS__
    // Sanitizer builds only (tools/sanitize.sh): ASan's runtime checks memory through a pipe.
    for (int sc : {SCMP_SYS(pipe2), SCMP_SYS(read), SCMP_SYS(write)}) rules.allow(sc, "AddressSanitizer");
#endif
    return rules;
}

}  // namespace

void ThreadPolicy::allow(int syscall, std::initializer_list<scmp_arg_cmp> args, const char* why) {
    rules_.push_back(Rule{syscall, std::vector<scmp_arg_cmp>(args), why});
}

void ThreadPolicy::allow_on_fd(int syscall, int fd, const char* why) {
    allow(syscall, {arg_equals(0, scmp_datum_t(fd))}, why);
}

void ThreadPolicy::allow_ioctl(int fd, unsigned long request, const char* why) {
    allow(SCMP_SYS(ioctl), {arg_equals(0, scmp_datum_t(fd)), arg_equals(1, scmp_datum_t(request))}, why);
}

SeccompFilter::SeccompFilter(const ThreadPolicy& policy) : ctx_(seccomp_init(SCMP_ACT_TRAP)) {
    if (!ctx_) throw SetupError("sandbox: seccomp_init failed");
    const ThreadPolicy runtime = runtime_rules();
    for (const ThreadPolicy::Rule& rule : runtime.rules()) add(ctx_.get(), rule);
    for (const ThreadPolicy::Rule& rule : policy.rules()) add(ctx_.get(), rule);
    if (seccomp_attr_set(ctx_.get(), SCMP_FLTATR_CTL_NNP, 1) != 0 ||
        seccomp_attr_set(ctx_.get(), SCMP_FLTATR_CTL_TSYNC, 0) != 0)
        throw SetupError("sandbox: cannot configure the seccomp filter");
}

int SeccompFilter::load() const {
    const int rc = seccomp_load(ctx_.get());
    return rc < 0 ? -rc : 0;
}

SandboxPolicy::SandboxPolicy() : vcpu_("vcpu") {}

ThreadPolicy& SandboxPolicy::io_thread(SandboxedThread& thread) {
    io_.emplace_back(&thread, ThreadPolicy(thread.name()));
    return io_.back().second;
}

void SandboxPolicy::install() {
    struct sigaction sa {};
    sa.sa_sigaction = on_violation;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, nullptr);

    for (auto& [thread, rules] : io_) {
        const SeccompFilter filter(rules);
        if (const int err = thread->release(&filter))
            throw SetupError(
                errno_message("sandbox: cannot install the filter of the " + thread->name() + " thread", err));
    }
    const SeccompFilter own(vcpu_);
    if (const int err = own.load()) throw SetupError(errno_message("sandbox: cannot install the seccomp filter", err));
}

void SandboxPolicy::release_unfiltered() {
    for (auto& entry : io_) entry.first->release(nullptr);
}

struct SandboxedThread::State {
    std::mutex mutex;
    std::condition_variable changed;
    enum class Phase { Waiting, Released, Abandoned } phase = Phase::Waiting;
    const SeccompFilter* filter = nullptr;
    bool loaded = false;
    int load_error = 0;
    std::thread thread;
};

SandboxedThread::SandboxedThread(std::string name, std::function<void()> body)
    : name_(std::move(name)), state_(std::make_shared<State>()) {
    // The thread inherits the creator's signal mask: block everything asynchronous around its
    // creation. SIGSYS stays deliverable, so a violation on the thread is reported.
    sigset_t all, old;
    sigfillset(&all);
    for (int sync : {SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigdelset(&all, sync);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
        state_->thread = std::thread([state = state_, body = std::move(body)] {
            std::unique_lock lock(state->mutex);
            state->changed.wait(lock, [&] { return state->phase != State::Phase::Waiting; });
            if (state->phase == State::Phase::Abandoned) return;
            if (state->filter) state->load_error = state->filter->load();
            state->loaded = true;
            const bool run = state->load_error == 0;
            lock.unlock();
            state->changed.notify_all();
            if (run) body();
        });
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

SandboxedThread::~SandboxedThread() {
    {
        std::lock_guard lock(state_->mutex);
        if (state_->phase == State::Phase::Waiting) state_->phase = State::Phase::Abandoned;
    }
    state_->changed.notify_all();
    state_->thread.join();
}

int SandboxedThread::release(const SeccompFilter* filter) {
    std::unique_lock lock(state_->mutex);
    state_->filter = filter;
    state_->phase = State::Phase::Released;
    state_->changed.notify_all();
    state_->changed.wait(lock, [&] { return state_->loaded; });
    return state_->load_error;
}

}  // namespace skiff
