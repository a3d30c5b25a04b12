// Errors a user sees: each carries one line already phrased for them. main() catches them once
// and maps each kind to the process exit code documented in README and --help.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace skiff {

// Exit codes besides the guest's own status (0-255 passes through on HALT).
inline constexpr int kExitOperatorError = 1;  // bad image, bad options, device set-up failed
inline constexpr int kExitGuestFault = 253;   // the guest broke the ABI and was terminated
inline constexpr int kExitHostError = 254;    // KVM or host I/O failed under a running guest

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
    virtual int exit_code() const { return kExitOperatorError; }
};

// The unikernel image (ELF or its notes) is unusable.
class ImageError : public Error {
  public:
    using Error::Error;
};

// The operator's command line does not fit the image or the host.
class UsageError : public Error {
  public:
    using Error::Error;
};

// The guest did something the ABI forbids; it is terminated.
class GuestFault : public Error {
  public:
    using Error::Error;
    int exit_code() const override { return kExitGuestFault; }
};

// The host failed under a running guest (KVM, device I/O).
class HostError : public Error {
  public:
    using Error::Error;
    int exit_code() const override { return kExitHostError; }
};

// "0x1f" — how messages spell addresses, ports and raw values.
std::string hex(uint64_t value);

// "<what>: <strerror(errno)>", for failed system calls.
std::string errno_message(const std::string& what, int err);

}  // namespace skiff
