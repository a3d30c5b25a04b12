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

    // Loads the filter into the kernel (with no_new_privs); throws UsageError if that fails.
    void install() const;

  private:
    int vcpu_fd_ = -1;
    std::vector<int> net_fds_;
    std::vector<int> block_fds_;
};

}  // namespace skiff
