#include "hypercall/console.h"

#include <unistd.h>

#include <cerrno>

#include "sandbox/sandbox.h"
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

void allow_console(ThreadPolicy& rules, int out_fd) {
    rules.allow_on_fd(SCMP_SYS(write), out_fd, "PUTS: the guest's console");
}

}  // namespace skiff
