// Thin RAII wrappers over the KVM API, one class per kernel object owning its fd, methods named
// after the ioctls. Nothing outside src/kvm/ calls ioctl on KVM objects; nothing in here knows the
// guest ABI (that is src/arch/).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "common/unique_fd.h"

namespace skiff {

class Kvm {
  public:
    // Opens /dev/kvm and checks API version 12 and user memory; throws SetupError.
    Kvm();
    int fd() const { return fd_.get(); }
    // KVM_CHECK_EXTENSION: > 0 means the capability is there.
    int check_extension(int capability) const;
    bool has(int capability) const { return check_extension(capability) > 0; }
    int vcpu_mmap_size() const;
#if defined(__x86_64__)
    // KVM_GET_SUPPORTED_CPUID, growing the buffer while the kernel says E2BIG.
    std::vector<kvm_cpuid_entry2> supported_cpuid() const;
#endif

  private:
    UniqueFd fd_;
};

class VcpuFd;

class Vm {
  public:
    explicit Vm(const Kvm& kvm);
    int fd() const { return fd_.get(); }
    // KVM_SET_USER_MEMORY_REGION for slot 0.
    void set_memory(uint64_t gpa, uint64_t size, void* host);
    // KVM_IOEVENTFD: a 4-byte write of any value to `addr` (a port if `pio`, else MMIO) signals
    // `eventfd` without an exit. False if KVM refuses (the caller falls back).
    bool add_ioeventfd(uint64_t addr, bool pio, int eventfd);
    // KVM_CREATE_VCPU with id 0, its run area mapped; on aarch64 also initialised
    // (KVM_ARM_VCPU_INIT as the preferred target, no optional feature), as KVM needs before anything else.
    VcpuFd create_vcpu(const Kvm& kvm);
    // KVM_ENABLE_CAP on the VM with one argument; false (errno set) if KVM refuses.
    bool enable_cap(uint32_t capability, uint64_t arg0);
#if defined(__x86_64__)
    // KVM_X86_SET_MSR_FILTER; false (errno set) if KVM refuses.
    bool set_msr_filter(const kvm_msr_filter& filter);
#endif

  private:
    UniqueFd fd_;
};

class VcpuFd {
  public:
    VcpuFd(UniqueFd fd, int mmap_size);
    ~VcpuFd();
    VcpuFd(VcpuFd&& other) noexcept;
    VcpuFd& operator=(VcpuFd&&) = delete;
    VcpuFd(const VcpuFd&) = delete;
    VcpuFd& operator=(const VcpuFd&) = delete;

    int fd() const { return fd_.get(); }
    // The shared run area: exit reason and data, immediate_exit.
    kvm_run& run_area() const { return *run_; }
    // KVM_RUN: 0, or the errno it failed with.
    int run();
    // KVM_SET_GUEST_DEBUG.
    void set_guest_debug(const kvm_guest_debug& debug);

#if defined(__x86_64__)
    kvm_regs get_regs() const;
    void set_regs(const kvm_regs& regs);
    kvm_sregs get_sregs() const;
    void set_sregs(const kvm_sregs& sregs);
    void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
    kvm_fpu get_fpu() const;
    void set_fpu(const kvm_fpu& fpu);
    // KVM_GET_TSC_KHZ: the guest TSC frequency, or -errno.
    int tsc_khz() const;
#endif
#if defined(__aarch64__)
    // KVM_GET_ONE_REG / KVM_SET_ONE_REG of a 64-bit register; get_one_reg_bytes for any size (`value`
    // holds as many bytes as `id` says).
    uint64_t get_one_reg(uint64_t id) const;
    void get_one_reg_bytes(uint64_t id, void* value) const;
    void set_one_reg(uint64_t id, uint64_t value);
#endif

  private:
    UniqueFd fd_;
    kvm_run* run_ = nullptr;
    int mmap_size_ = 0;
};

}  // namespace skiff
