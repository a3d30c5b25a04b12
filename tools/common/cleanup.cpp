#include "cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

namespace skiff::tools {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

std::atomic<int> stop{0};
std::mutex slots_mutex;
std::array<std::function<void()>*, 256> slots{};

void on_stop(int signal) {
    int none = 0;
    stop.compare_exchange_strong(none, signal);
}

void on_crash(int signal) {
    for (std::function<void()>* action : slots)
        if (action) (*action)();
    ::signal(signal, SIG_DFL);
    raise(signal);
}

}  // namespace

Interrupted::Interrupted(int signal)
    : std::runtime_error(std::string("interrupted by SIG") + (sigabbrev_np(signal) ? sigabbrev_np(signal) : "?")),
      signal_(signal) {}

void install_crash_cleanup() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = on_crash;
        sa.sa_flags = SA_RESETHAND;
        for (int signal : kCrashSignals) sigaction(signal, &sa, nullptr);
    });
}

void install_stop_handlers() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;  // no SA_RESTART: a blocked wait returns and looks at the flag
    for (int signal : kStopSignals) sigaction(signal, &sa, nullptr);
}

int stop_signal() {
    return stop.load();
}

void throw_if_stopped() {
    if (const int signal = stop.load()) throw Interrupted(signal);
}

EmergencyCleanup::EmergencyCleanup(std::function<void()> action) : slot_(-1) {
    install_crash_cleanup();
    std::lock_guard lock(slots_mutex);
    for (size_t i = 0; i < slots.size(); ++i)
        if (!slots[i]) {
            slots[i] = new std::function<void()>(std::move(action));
            slot_ = int(i);
            return;
        }
}

EmergencyCleanup::~EmergencyCleanup() {
    if (slot_ < 0) return;
    std::lock_guard lock(slots_mutex);
    delete std::exchange(slots[size_t(slot_)], nullptr);
}

}  // namespace skiff::tools
