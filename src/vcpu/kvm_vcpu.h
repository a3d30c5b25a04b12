// The vCPU on /dev/kvm: KVM_RUN and the architecture-independent half of exit decoding; the
// architecture decodes guest accesses (src/arch/) and describes registers.
#pragma once

#include "kvm/kvm.h"
#include "vcpu/vcpu.h"

namespace skiff {

class KvmVcpu final : public Vcpu {
  public:
    explicit KvmVcpu(VcpuFd fd);
    VcpuFd& fd() { return fd_; }
    const VcpuFd& fd() const { return fd_; }

    // Retries KVM_RUN after EAGAIN; an interruption (a signal, or immediate_exit set by another
    // thread) is reported as Interrupted with immediate_exit cleared, for the loop to decide.
    VcpuExit run() override;
    std::string describe_registers() override;

  private:
    VcpuFd fd_;
    std::string internal_error_hint_;  // what a KVM internal error likely means on this host
};

}  // namespace skiff
