#include "modules/tap_io.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/error.h"

namespace skiff {

void write_frame_to_tap(int fd, std::span<const uint8_t> frame, const char* what) {
    const ssize_t n = ::write(fd, frame.data(), frame.size());
    if (n != static_cast<ssize_t>(frame.size()))
        throw HostError(errno_message(std::string(what) + ": write to tap failed", n < 0 ? errno : EIO));
}

ssize_t read_frame_from_tap(int fd, std::span<uint8_t> buffer) {
    ssize_t n;
    do n = ::read(fd, buffer.data(), buffer.size());
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return 0;
    return n;
}

}  // namespace skiff
