#include "modules/poll.h"

#include <poll.h>

#include <cerrno>
#include <ctime>

#include "common/error.h"
#include "skiff/abi/hypercall.h"

namespace skiff {
namespace {

constexpr uint64_t kNanosPerSecond = 1'000'000'000;

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * kNanosPerSecond + uint64_t(ts.tv_nsec);
}

// Waits up to `timeout_ns` (restarting after signals) and returns how many fds are readable.
int wait_readable(std::vector<pollfd>& fds, uint64_t timeout_ns) {
    const uint64_t start = monotonic_ns();
    for (;;) {
        const uint64_t elapsed = monotonic_ns() - start;
        const uint64_t left = elapsed >= timeout_ns ? 0 : timeout_ns - elapsed;
        const timespec ts{static_cast<time_t>(left / kNanosPerSecond), static_cast<long>(left % kNanosPerSecond)};
        const int n = ppoll(fds.data(), fds.size(), &ts, nullptr);
        if (n >= 0) return n;
        if (errno != EINTR) throw HostError(errno_message("POLL: ppoll failed", errno));
    }
}

}  // namespace

void register_poll(HypercallTable& table, GuestMemory& mem, const PollSet& poll) {
    table.add(SKIFF_HC_POLL, [&mem, &poll](uint64_t gpa) {
        // Checked before waiting: a POLL whose result cannot be written faults now, not after the timeout.
        mem.translate_writable(gpa, sizeof(skiff_hc_poll));
        auto call = mem.read<skiff_hc_poll>(gpa);
        std::vector<pollfd> fds;
        for (const auto& s : poll.sources) fds.push_back(pollfd{s.fd, POLLIN, 0});
        call.ready_set = 0;
        call.ret = 0;
        if (wait_readable(fds, call.timeout_nsecs) > 0) {
            for (size_t i = 0; i < fds.size(); ++i) {
                if (!(fds[i].revents & POLLIN)) continue;
                call.ready_set |= uint64_t{1} << poll.sources[i].handle;
                ++call.ret;
            }
        }
        mem.write(gpa, call);
    });
}

}  // namespace skiff
