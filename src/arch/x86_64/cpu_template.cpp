#include "arch/x86_64/cpu_template.h"

#include <algorithm>

namespace skiff::x86 {
namespace {

constexpr uint32_t bit(int n) {
    return uint32_t{1} << n;
}

// Leaf 1.
constexpr uint32_t kLeaf1EcxHidden = bit(2)      // DTES64: 64-bit debug store
                                     | bit(3)    // MONITOR/MWAIT: KVM exits on them anyway
                                     | bit(4)    // DS-CPL
                                     | bit(5)    // VMX: nested virtualization
                                     | bit(6)    // SMX
                                     | bit(7)    // EIST
                                     | bit(8)    // TM2
                                     | bit(14)   // xTPR update control
                                     | bit(15)   // PDCM: perfmon capabilities MSR
                                     | bit(21)   // x2APIC: the guest has no interrupts
                                     | bit(24);  // TSC deadline timer: likewise
constexpr uint32_t kLeaf1EcxHypervisor = bit(31);
constexpr uint32_t kLeaf1EdxHidden = bit(21)     // DS: debug store
                                     | bit(22)   // ACPI thermal MSRs
                                     | bit(29)   // TM
                                     | bit(31);  // PBE
// Leaf 7, subleaf 0.
constexpr uint32_t kLeaf7EbxHidden = bit(2)      // SGX
                                     | bit(4)    // HLE (TSX)
                                     | bit(11)   // RTM (TSX)
                                     | bit(12)   // RDT monitoring
                                     | bit(15)   // RDT allocation
                                     | bit(25);  // Intel processor trace
constexpr uint32_t kLeaf7EcxHidden = bit(30);    // SGX launch configuration
// Leaf 0x8000_0001.
constexpr uint32_t kExtEcxHidden = bit(2)      // SVM: nested virtualization
                                   | bit(10)   // IBS: instruction-based sampling
                                   | bit(12)   // SKINIT
                                   | bit(13)   // WDT
                                   | bit(15)   // LWP
                                   | bit(23)   // core performance counters
                                   | bit(24)   // northbridge performance counters
                                   | bit(28);  // L2 performance counters

// Whole leaves a guest has no use for: architectural perfmon (0xA), SGX (0x12), processor trace
// (0x14), SVM's features (0x8000_000A), and every hypervisor leaf (KVM's paravirtual features,
// which the ABI does not use).
bool hidden_leaf(uint32_t function) {
    return function == 0xA || function == 0x12 || function == 0x14 || function == 0x8000000A ||
           (function >= 0x40000000 && function < 0x50000000);
}

}  // namespace

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> entries) {
    std::erase_if(entries, [](const kvm_cpuid_entry2& e) { return hidden_leaf(e.function); });
    for (kvm_cpuid_entry2& e : entries) {
        if (e.function == 1) {
            e.ecx = (e.ecx & ~kLeaf1EcxHidden) | kLeaf1EcxHypervisor;
            e.edx &= ~kLeaf1EdxHidden;
        } else if (e.function == 7 && e.index == 0) {
            e.ebx &= ~kLeaf7EbxHidden;
            e.ecx &= ~kLeaf7EcxHidden;
        } else if (e.function == 0x80000001) {
            e.ecx &= ~kExtEcxHidden;
        }
    }
    return entries;
}

std::span<const MsrRange> allowed_msrs() {
    // What a unikernel on this ABI touches, and what mitigations need; everything else is denied.
    static constexpr MsrRange kAllowed[] = {
        {0x00000010, 1, false},  // TSC (read: RDTSC needs no MSR access)
        {0x00000048, 2, true},   // SPEC_CTRL, PRED_CMD: speculation mitigations
        {0x0000010A, 1, false},  // ARCH_CAPABILITIES
        {0x00000277, 1, true},   // PAT
        {0xC0000080, 1, false},  // EFER (read; the entry state sets it)
        {0xC0000100, 3, true},   // FS_BASE, GS_BASE, KERNEL_GS_BASE: TLS
        {0xC0000103, 1, true},   // TSC_AUX (RDTSCP, RDPID)
    };
    return kAllowed;
}

const char* msr_name(uint32_t index) {
    switch (index) {
        case 0x0000003A: return "IA32_FEATURE_CONTROL";
        case 0x000001A0: return "IA32_MISC_ENABLE";
        case 0x00000480: return "IA32_VMX_BASIC";
        case 0xC0000080: return "IA32_EFER";
        case 0xC0000081: return "STAR";
        case 0xC0000082: return "LSTAR";
        case 0xC0010114: return "VM_CR";
        case 0xC0010117: return "VM_HSAVE_PA";
        default: return "";
    }
}

}  // namespace skiff::x86
