// What the hypercall loop needs from a vCPU: run it until it exits, and describe its registers for a
// fault line. KvmVcpu implements it on /dev/kvm; tests use a fake.
#pragma once

#include <cstdint>
#include <string>

namespace skiff {

// One exit, already decoded by the architecture: the loop never sees ports or MMIO addresses.
struct VcpuExit {
    enum class Kind {
        Hypercall,      // the guest called the tender: nr, arg (the argument structure's GPA)
        BadAccess,      // port I/O or MMIO that is no hypercall: `what` describes it; for MMIO,
                        // `mmio` is set and detail = the address
        Halt,           // the guest stopped its CPU (x86 HLT with interrupts off)
        Shutdown,       // triple fault or a power-off request
        MemoryFault,    // KVM_RUN failed with EFAULT: the guest touched memory the host protects
        FailEntry,      // the CPU refused to enter the guest; detail = hardware reason
        InternalError,  // KVM could not run the guest; detail = suberror, what = a hint
        Debug,          // a breakpoint or single step (only with guest debugging enabled)
        Interrupted,    // a signal or another thread interrupted KVM_RUN
        Other,          // any other exit; detail = KVM exit reason
    };
    Kind kind = Kind::Other;
    uint32_t nr = 0;
    uint64_t arg = 0;
    uint64_t detail = 0;
    bool mmio = false;
    std::string what;
};

class Vcpu {
  public:
    virtual ~Vcpu() = default;
    virtual VcpuExit run() = 0;
    // "rip=0x... rsp=0x... ..." for the one line of a guest fault.
    virtual std::string describe_registers() = 0;
};

}  // namespace skiff
