// The seccomp sandbox, installed after all set-up and before the first guest instruction. The policy is
// data: the core's needs plus what each enabled module adds for its own fds. Anything else is a
// violation: the process reports the system call and exits.
#pragma once

#include <vector>

namespace skiff {

class SandboxPolicy {
  public:
    void allow_vcpu_fd(int fd) { vcpu_fd_ = fd; }
    void allow_net_fd(int fd) { net_fds_.push_back(fd); }
    void allow_block_fd(int fd) { block_fds_.push_back(fd); }
    // The net ring thread: it sleeps reading `kick_fd` (the vCPU thread writes it to stop the ring)
    // and interrupts the vCPU with SIGUSR1 sent to thread `tid` of process `pid`.
    void allow_net_ring(int kick_fd, int pid, int tid) {
        ring_kick_fd_ = kick_fd;
        ring_signal_pid_ = pid;
        ring_signal_tid_ = tid;
    }

    // Loads the filter into the kernel (with no_new_privs) for every thread of the process (TSYNC);
    // throws UsageError if that fails.
    void install() const;

  private:
    int vcpu_fd_ = -1;
    std::vector<int> net_fds_;
    std::vector<int> block_fds_;
    int ring_kick_fd_ = -1;
    int ring_signal_pid_ = -1;
    int ring_signal_tid_ = -1;
};

}  // namespace skiff
