#include "vcpu/run_control.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "sandbox/sandbox.h"

namespace skiff {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGXFSZ};
// Only there to interrupt KVM_RUN on the vCPU thread: its handler does nothing.
constexpr int kKickSignal = SIGUSR1;
// Input from a debugger: its handler makes the next KVM_RUN return at once.
constexpr int kInputSignal = SIGIO;

std::atomic<RunControl*> current{nullptr};

void install(int signal, void (*handler)(int)) {
    struct sigaction sa {};
    sa.sa_handler = handler;  // no SA_RESTART: blocking calls return EINTR and the loop looks
    sigemptyset(&sa.sa_mask);
    if (sigaction(signal, &sa, nullptr) != 0)
        throw SetupError(errno_message("cannot install the handler of " + signal_name(signal), errno));
}

}  // namespace

std::string signal_name(int signal) {
    const char* abbrev = sigabbrev_np(signal);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

Stopped::Stopped(int signal) : Error("stopped by " + signal_name(signal)), signal_(signal) {}

RunControl::RunControl() : wake_(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)), pid_(getpid()) {
    // A timerfd, armed to expire at once, is the wake-up: unlike an eventfd or a pipe it can be made
    // under the seccomp filters orchestrators apply (docs/orchestration.md), and arming it is one
    // system call, safe in a signal handler.
    if (!wake_.valid()) throw SetupError(errno_message("cannot create a timerfd", errno));
    // gettid may be refused by a filter skiff runs under; on the main thread the tid is the pid.
    const long tid = syscall(SYS_gettid);
    vcpu_tid_ = tid > 0 ? int(tid) : pid_;
    vcpu_thread_ = std::this_thread::get_id();
    current.store(this);
    for (int signal : kStopSignals) install(signal, on_signal);
    install(kKickSignal, [](int) {});
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the guest
}

RunControl::~RunControl() {
    // The handlers stay (no system call: the sandbox may be on); with no run they do nothing.
    current.store(nullptr);
}

void RunControl::attach(VcpuFd& vcpu) {
    immediate_exit_.store(&vcpu.run_area().immediate_exit);
    if (pending()) request_stop();
}

void RunControl::interrupt_on_input(int fd) {
    install(kInputSignal, [](int) {
        RunControl* self = current.load();
        if (!self) return;
        if (uint8_t* flag = self->immediate_exit_.load()) std::atomic_ref<uint8_t>(*flag).store(1);
    });
    const f_owner_ex owner{F_OWNER_TID, vcpu_tid_};
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETOWN_EX, &owner) != 0 || fcntl(fd, F_SETFL, flags | O_ASYNC | O_NONBLOCK) != 0)
        throw SetupError(errno_message("cannot have the debugger's connection signal its input", errno));
}

void RunControl::on_signal(int signal) {
    RunControl* self = current.load();
    if (!self) return;
    int none = 0;
    self->signal_.compare_exchange_strong(none, signal);
    self->request_stop();
}

void RunControl::fail(std::exception_ptr error) noexcept {
    {
        std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::move(error);
    }
    request_stop();
    // The vCPU may be inside KVM_RUN: a signal to its thread makes KVM_RUN return.
    if (std::this_thread::get_id() != vcpu_thread_) syscall(SYS_tgkill, pid_, vcpu_tid_, kKickSignal);
}

// Async-signal-safe: atomics and one system call.
void RunControl::request_stop() noexcept {
    pending_.store(true, std::memory_order_release);
    if (uint8_t* flag = immediate_exit_.load()) std::atomic_ref<uint8_t>(*flag).store(1);
    const itimerspec now{{0, 0}, {0, 1}};
    timerfd_settime(wake_.get(), 0, &now, nullptr);
}

void RunControl::check() const {
    if (!pending()) return;
    {
        std::lock_guard lock(error_mutex_);
        if (error_) throw_error();
    }
    if (const int signal = signal_.load()) throw Stopped(signal);
}

void RunControl::check_undelivered() const {
    std::lock_guard lock(error_mutex_);
    if (error_ && !error_thrown_) throw_error();
}

void RunControl::throw_error() const {
    error_thrown_ = true;
    std::rethrow_exception(error_);
}

void RunControl::allow_vcpu_thread(ThreadPolicy& rules) const {
    rules.allow_on_fd(SCMP_SYS(timerfd_settime), wake_.get(), "a stop signal wakes a waiting POLL");
}

void RunControl::allow_io_thread(ThreadPolicy& rules) const {
    allow_vcpu_thread(rules);
    rules.allow(SCMP_SYS(tgkill),
                {arg_equals(0, scmp_datum_t(pid_)), arg_equals(1, scmp_datum_t(vcpu_tid_)),
                 arg_equals(2, scmp_datum_t(kKickSignal))},
                "an I/O thread's error interrupts the vCPU thread's KVM_RUN");
}

}  // namespace skiff
