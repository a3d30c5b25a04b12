#include "kvm/vcpu.h"

#include <cstdio>

namespace skiff {

std::string describe(const VcpuRegisters& r) {
    char line[320];
    std::snprintf(line, sizeof line,
                  "rip=0x%llx rsp=0x%llx rflags=0x%llx cr2=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx "
                  "rsi=0x%llx rdi=0x%llx rbp=0x%llx cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx",
                  (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags,
                  (unsigned long long)r.cr2, (unsigned long long)r.rax, (unsigned long long)r.rbx,
                  (unsigned long long)r.rcx, (unsigned long long)r.rdx, (unsigned long long)r.rsi,
                  (unsigned long long)r.rdi, (unsigned long long)r.rbp, (unsigned long long)r.cr0,
                  (unsigned long long)r.cr3, (unsigned long long)r.cr4, (unsigned long long)r.efer);
    return line;
}

}  // namespace skiff
