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
#include "sandbox/sigsys.h"

namespace skiff {
namespace {

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
    for (const ThreadPolicy* rules : {&runtime, &policy})
        for (const ThreadPolicy::Rule& rule : rules->rules()) {
            add(ctx_.get(), rule);
            if (rule.syscall >= 0 && size_t(rule.syscall) < allowed_.size()) allowed_.set(size_t(rule.syscall));
        }
    // libseccomp's defaults are what skiff wants: no_new_privs set on load, no TSYNC (each thread
    // loads its own filter).
}

int SeccompFilter::load() const {
    const int rc = seccomp_load(ctx_.get());
    if (rc == 0) own_filter_loaded(&allowed_);
    return rc < 0 ? -rc : 0;
}

SandboxPolicy::SandboxPolicy() : vcpu_("vcpu") {}

ThreadPolicy& SandboxPolicy::io_thread(SandboxedThread& thread) {
    io_.emplace_back(&thread, ThreadPolicy(thread.name()));
    return io_.back().second;
}

bool SandboxPolicy::install() {
    install_sigsys_handler();  // main() did already; a test's child may not have
    const SeccompFilter own(vcpu_);
    std::vector<std::unique_ptr<SeccompFilter>> theirs;
    for (auto& entry : io_) theirs.push_back(std::make_unique<SeccompFilter>(entry.second));
    // The vCPU thread first: if a filter skiff was started under forbids adding one, nothing is
    // half done, and the I/O threads start under that filter alone.
    if (const int err = own.load()) {
        if (!under_outer_filter()) throw SetupError(errno_message("sandbox: cannot install the seccomp filter", err));
        release_unfiltered();
        return false;
    }
    for (size_t i = 0; i < io_.size(); ++i)
        if (const int err = io_[i].first->release(theirs[i].get()))
            throw SetupError(
                errno_message("sandbox: cannot install the filter of the " + io_[i].first->name() + " thread", err));
    return true;
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
