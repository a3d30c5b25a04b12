// Thin RAII wrappers over the KVM API: one class per kernel object, owning its fd. Nothing outside
// src/kvm/ calls ioctl on KVM objects.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "common/unique_fd.h"
#include "kvm/vcpu.h"

namespace skiff {

class Kvm {
  public:
    // Opens /dev/kvm and checks API version 12 and the capabilities skiff needs.
    Kvm();
    int fd() const { return fd_.get(); }
    int vcpu_mmap_size() const;
    // KVM_GET_SUPPORTED_CPUID, growing the buffer while the kernel says E2BIG.
    std::vector<uint8_t> supported_cpuid() const;

  private:
    UniqueFd fd_;
};

class KvmVcpu;

class Vm {
  public:
    explicit Vm(const Kvm& kvm);
    int fd() const { return fd_.get(); }
    void set_memory(uint64_t gpa, uint64_t size, void* host);
    std::unique_ptr<KvmVcpu> create_vcpu(const Kvm& kvm);

  private:
    UniqueFd fd_;
};

struct LongModeEntry {
    uint64_t rip;
    uint64_t rsp;
    uint64_t rdi;
};

class KvmVcpu final : public Vcpu {
  public:
    KvmVcpu(UniqueFd fd, int mmap_size);
    ~KvmVcpu() override;
    KvmVcpu(const KvmVcpu&) = delete;
    KvmVcpu& operator=(const KvmVcpu&) = delete;

    int fd() const { return fd_.get(); }
    // 64-bit long mode per guest-abi.md §4, with EFER.NXE so the page tables' NX bits hold.
    void enter_long_mode(const LongModeEntry& entry);
    void set_cpuid(const std::vector<uint8_t>& cpuid);
    uint64_t tsc_hz();

    VcpuExit run() override;
    VcpuRegisters registers() override;

  private:
    UniqueFd fd_;
    kvm_run* run_ = nullptr;
    int mmap_size_ = 0;
};

}  // namespace skiff
