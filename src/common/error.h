// Errors a user sees: each carries one line already phrased for them. main() catches them once
// and maps each kind to the process exit code documented in README and --help.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace skiff {

// Exit codes besides the guest's own status (0-255 passes through on HALT).
inline constexpr int kExitOperatorError = 1;  // bad options, bad image, the host cannot provide the run
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

// The operator's command line does not fit the image: options, bindings, device paths.
class UsageError : public Error {
  public:
    using Error::Error;
};

// The host cannot provide what the run needs before the guest starts (/dev/kvm, memory, the sandbox).
class SetupError : public Error {
  public:
    using Error::Error;
};

// The guest did something the ABI forbids; it is terminated.
class GuestFault : public Error {
  public:
    using Error::Error;
    int exit_code() const override { return kExitGuestFault; }
};

// The host failed under a running guest (KVM, device I/O, a failed flush).
class HostError : public Error {
  public:
    using Error::Error;
    int exit_code() const override { return kExitHostError; }
};

// "<what>: <cause>": how every message puts its context in front of what went wrong.
std::string in_context(std::string_view what, std::string_view cause);

// "<what>: <strerror(err)>", for failed system calls.
std::string errno_message(std::string_view what, int err);

// The same kind of error as `error`, with `what` in front of its message.
template <typename E>
E with_context(std::string_view what, const E& error) {
    return E(in_context(what, error.what()));
}

// One line on stderr, "skiff: note: <line>": something the operator should know that does not end
// the run (a feature skiff has to do without, say).
void note(std::string_view line);

// "0x1f" — how messages spell addresses, ports and raw values.
std::string hex(uint64_t value);

}  // namespace skiff
