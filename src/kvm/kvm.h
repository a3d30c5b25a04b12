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
    // KVM_CHECK_EXTENSION > 0.
    bool has(int capability) const;
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
    // KVM_IOEVENTFD: a 4-byte OUT to `port`, any value, signals `eventfd` without an exit.
    // Returns false if KVM refuses (the caller falls back).
    bool add_pio_eventfd(uint16_t port, int eventfd);
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

    // Makes request_exit() work: installs a no-op SIGUSR1 handler without SA_RESTART and records the
    // calling thread, which must be the one that calls run(). Needs KVM_CAP_IMMEDIATE_EXIT.
    void enable_remote_exit();
    // From any thread: the current or next KVM_RUN returns at once and run() reports Interrupted.
    void request_exit();
    // The process and thread request_exit() signals, for the sandbox.
    int exit_signal_pid() const { return pid_; }
    int exit_signal_tid() const { return tid_; }

  private:
    UniqueFd fd_;
    int pid_ = -1;
    int tid_ = -1;
    kvm_run* run_ = nullptr;
    int mmap_size_ = 0;
};

}  // namespace skiff
