// The POLL hypercall (docs/guest-abi.md §5.5): wait until a net device has input or the guest's
// timeout passes. One epoll set holds the devices' fds, a timerfd for the timeout (nanosecond
// precision) and the run's wake-up fd, so a stop or an I/O thread's error ends the wait at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "hypercall/table.h"
#include "memory/guest_memory.h"

namespace skiff {

class ThreadPolicy;

class PollSet {
  public:
    // `wake_fd`: readable when the run must end; the wait then returns with nothing ready.
    explicit PollSet(int wake_fd);

    // Adds a device whose input the guest can wait for; `name` names it in messages.
    void add(uint32_t handle, int fd, std::string name);

    // Adds an fd whose input ends a wait early, with nothing ready (a debugger's Ctrl-C); removes it.
    void add_interrupt(int fd);
    void remove_interrupt(int fd);
    // What the thread needs to remove one under the sandbox.
    void allow_remove_interrupt(ThreadPolicy& rules, int fd) const;

    // Waits up to `timeout_ns` and returns the set of handles with input (bit i = handle i).
    // Throws HostError naming a device whose fd reports an error or hang-up (a deleted tap): its
    // input would never come, and the guest would spin.
    uint64_t wait(uint64_t timeout_ns);

    void allow(ThreadPolicy& rules) const;

  private:
    struct Source {
        uint32_t handle;
        std::string name;
    };
    UniqueFd epoll_;
    UniqueFd timer_;
    std::vector<Source> sources_;
};

void register_poll(HypercallTable& table, GuestMemory& mem, PollSet& poll);

}  // namespace skiff
