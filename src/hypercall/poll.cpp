#include "hypercall/poll.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <bit>
#include <cerrno>
#include <ctime>

#include "common/error.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"
#include "skiff/abi/manifest.h"

namespace skiff {
namespace {

constexpr uint64_t kNanosPerSecond = 1'000'000'000;
// epoll data of the two fds that are not devices; devices use their index in sources_.
constexpr uint32_t kTimerTag = 1u << 30;
constexpr uint32_t kWakeTag = kTimerTag + 1;
constexpr uint32_t kInterruptTag = kTimerTag + 2;

void watch(int epoll, int fd, uint32_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = tag;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) throw SetupError(errno_message("POLL: epoll_ctl", errno));
}

}  // namespace

PollSet::PollSet(int wake_fd)
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), timer_(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK)) {
    if (!epoll_.valid() || !timer_.valid()) throw SetupError(errno_message("POLL: cannot create its wait set", errno));
    watch(epoll_.get(), timer_.get(), kTimerTag);
    watch(epoll_.get(), wake_fd, kWakeTag);
}

void PollSet::add(uint32_t handle, int fd, std::string name) {
    watch(epoll_.get(), fd, uint32_t(sources_.size()));
    sources_.push_back(Source{handle, std::move(name)});
}

void PollSet::add_interrupt(int fd) {
    watch(epoll_.get(), fd, kInterruptTag);
}

void PollSet::remove_interrupt(int fd) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void PollSet::allow_remove_interrupt(ThreadPolicy& rules, int fd) const {
    rules.allow(
        SCMP_SYS(epoll_ctl),
        {arg_equals(0, scmp_datum_t(epoll_.get())), arg_equals(1, EPOLL_CTL_DEL), arg_equals(2, scmp_datum_t(fd))},
        "the debugger went away: its connection leaves POLL's wait set");
}

uint64_t PollSet::wait(uint64_t timeout_ns) {
    // A zero it_value disarms a timerfd: a zero timeout is one nanosecond.
    const uint64_t ns = timeout_ns == 0 ? 1 : timeout_ns;
    const itimerspec timeout{{0, 0}, {time_t(ns / kNanosPerSecond), long(ns % kNanosPerSecond)}};
    if (timerfd_settime(timer_.get(), 0, &timeout, nullptr) != 0)
        throw HostError(errno_message("POLL: timerfd_settime", errno));
    epoll_event events[SKIFF_MANIFEST_MAX_ENTRIES + 2];
    int n;
    do n = epoll_pwait(epoll_.get(), events, int(std::size(events)), -1, nullptr);
    while (n < 0 && errno == EINTR);  // a stop also arms the wake-up fd, which ends the wait
    if (n < 0) throw HostError(errno_message("POLL: epoll_pwait", errno));

    uint64_t ready = 0;
    for (int i = 0; i < n; ++i) {
        const uint32_t tag = events[i].data.u32;
        if (tag >= kTimerTag) continue;
        const Source& source = sources_[tag];
        if (events[i].events & (EPOLLERR | EPOLLHUP))
            throw HostError(source.name + ": the device failed or was removed while the guest waited for it");
        if (events[i].events & EPOLLIN) ready |= uint64_t{1} << source.handle;
    }
    return ready;
}

void PollSet::allow(ThreadPolicy& rules) const {
    rules.allow_on_fd(SCMP_SYS(epoll_pwait), epoll_.get(), "POLL: the wait");
    rules.allow_on_fd(SCMP_SYS(timerfd_settime), timer_.get(), "POLL: its timeout");
}

void register_poll(HypercallTable& table, GuestMemory& mem, PollSet& poll) {
    table.add(SKIFF_HC_POLL, [&mem, &poll](uint64_t gpa) {
        // Checked before waiting: a POLL whose result cannot be written faults now, not after the timeout.
        mem.translate_writable(gpa, sizeof(skiff_hc_poll));
        auto call = mem.read<skiff_hc_poll>(gpa);
        call.ready_set = poll.wait(call.timeout_nsecs);
        call.ret = std::popcount(call.ready_set);
        mem.write(gpa, call);
    });
}

}  // namespace skiff
