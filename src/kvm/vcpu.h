// What the hypercall loop needs from a vCPU. KvmVcpu implements it on /dev/kvm; tests use a fake.
#pragma once

#include <cstdint>
#include <string>

namespace skiff {

struct VcpuExit {
    enum class Kind {
        Io,             // port I/O: port, out, size, value
        Halt,           // the guest executed HLT
        Shutdown,       // triple fault
        MemoryFault,    // KVM_RUN failed with EFAULT: the guest touched memory the host protects
        FailEntry,      // the CPU refused to enter the guest; detail = hardware reason
        InternalError,  // KVM could not emulate something; detail = suberror
        Other,          // any other exit; detail = KVM exit reason
        Interrupted,    // another thread asked the vCPU to stop (KvmVcpu::request_exit)
    };
    Kind kind = Kind::Other;
    uint16_t port = 0;
    bool out = false;
    uint8_t size = 0;
    uint32_t value = 0;
    uint64_t detail = 0;
};

struct VcpuRegisters {
    uint64_t rip, rsp, rbp, rflags, rax, rbx, rcx, rdx, rsi, rdi;
    uint64_t cr0, cr2, cr3, cr4, efer;
};

// "rip=0x... rsp=0x... cr2=0x..." for fault reports.
std::string describe(const VcpuRegisters& regs);

class Vcpu {
  public:
    virtual ~Vcpu() = default;
    // Runs the guest until it exits to the tender; interrupted runs (EINTR) are retried unless
    // another thread requested the exit.
    virtual VcpuExit run() = 0;
    virtual VcpuRegisters registers() = 0;
};

}  // namespace skiff
