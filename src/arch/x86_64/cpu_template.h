// The CPU a guest sees (docs/guest-abi.md §4.5, §4.6): KVM's supported CPUID with what no unikernel
// needs and what widens the host's exposure taken out, and the MSRs a guest may touch. Pure
// functions of what KVM reports, so the same host gives the same CPU every run, and unit tests.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <span>
#include <vector>

namespace skiff::x86 {

// KVM's supported entries with the template applied: no VMX/SVM (nested virtualization), no
// performance monitoring, debug stores, processor trace, SGX, TSX, no APIC timer features, no
// hypervisor leaves (0x4000_0000 up); the `hypervisor` bit set.
std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported);

// An MSR range a guest may read or write.
struct MsrRange {
    uint32_t first;
    uint32_t count;
    bool write;
};
std::span<const MsrRange> allowed_msrs();

// "IA32_FEATURE_CONTROL" for the MSRs skiff names in messages, else "".
const char* msr_name(uint32_t index);

}  // namespace skiff::x86
