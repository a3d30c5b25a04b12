#include "modules/console.h"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "skiff/abi/hypercall.h"

namespace skiff {

void register_console(HypercallTable& table, GuestMemory& mem, int out_fd) {
    table.add(SKIFF_HC_PUTS, [&mem, out_fd](uint64_t gpa) {
        const auto call = mem.read<skiff_hc_puts>(gpa);
        auto bytes = mem.translate(call.data, call.len);
        // Best effort, as the ABI says: a closed or full stdout must not kill the guest.
        while (!bytes.empty()) {
            const ssize_t n = ::write(out_fd, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            bytes = bytes.subspan(static_cast<size_t>(n));
        }
    });
}

void register_clock(HypercallTable& table, GuestMemory& mem) {
    table.add(SKIFF_HC_WALLTIME, [&mem](uint64_t gpa) {
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        mem.write(gpa, skiff_hc_walltime{uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec)});
    });
}

}  // namespace skiff
