#include "hypercall/console.h"

#include <unistd.h>

#include <cerrno>

#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"

namespace skiff {

namespace {

// Best effort, as the ABI says: a closed or full stdout must not kill the guest.
void write_all(int fd, std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes = bytes.subspan(static_cast<size_t>(n));
    }
}

}  // namespace

std::string neutralise_controls(std::span<const uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        const uint8_t b = bytes[i];
        const bool crlf = b == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n';
        if (b == '\n' || b == '\t' || crlf || (b >= 0x20 && b != 0x7f)) {
            out += char(b);
        } else {
            out += '^';
            out += char(b ^ 0x40);  // ^[ for ESC, ^M for CR, ^? for DEL
        }
    }
    return out;
}

void register_console(HypercallTable& table, GuestMemory& mem, int out_fd, bool terminal) {
    table.add(SKIFF_HC_PUTS, [&mem, out_fd, terminal](uint64_t gpa) {
        const auto call = mem.read<skiff_hc_puts>(gpa);
        const auto bytes = mem.translate(call.data, call.len);
        if (!terminal) return write_all(out_fd, bytes);
        const std::string shown = neutralise_controls(bytes);
        write_all(out_fd, {reinterpret_cast<const uint8_t*>(shown.data()), shown.size()});
    });
}

void allow_console(ThreadPolicy& rules, int out_fd) {
    rules.allow_on_fd(SCMP_SYS(write), out_fd, "PUTS: the guest's console");
}

}  // namespace skiff
