// The guest CPU template (src/arch/x86_64/cpu_template.h) on a made-up host that offers everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "arch/x86_64/cpu_template.h"

namespace skiff::x86 {
namespace {

kvm_cpuid_entry2 leaf(uint32_t function, uint32_t index = 0) {
    kvm_cpuid_entry2 e{};
    e.function = function;
    e.index = index;
    e.eax = e.ebx = e.ecx = e.edx = 0xFFFFFFFF;
    return e;
}

std::vector<kvm_cpuid_entry2> everything() {
    return {leaf(0),          leaf(1),          leaf(7, 0),       leaf(7, 1),       leaf(0xA),
            leaf(0xD, 0),     leaf(0x12, 0),    leaf(0x14, 0),    leaf(0x15),       leaf(0x40000000),
            leaf(0x40000001), leaf(0x80000001), leaf(0x80000007), leaf(0x80000008), leaf(0x8000000A)};
}

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function, uint32_t index = 0) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const kvm_cpuid_entry2& e) { return e.function == function && e.index == index; });
    return it == entries.end() ? nullptr : &*it;
}

constexpr uint32_t bit(int n) {
    return uint32_t{1} << n;
}

TEST(CpuTemplate, HidesNestedVirtualizationPerfmonAndTheHypervisorLeaves) {
    const auto guest = guest_cpuid(everything());
    EXPECT_FALSE(find(guest, 1)->ecx & bit(5)) << "VMX";
    EXPECT_FALSE(find(guest, 0x80000001)->ecx & bit(2)) << "SVM";
    EXPECT_FALSE(find(guest, 1)->ecx & bit(15)) << "PDCM";
    EXPECT_FALSE(find(guest, 1)->edx & bit(21)) << "debug store";
    EXPECT_FALSE(find(guest, 7)->ebx & bit(11)) << "RTM";
    EXPECT_FALSE(find(guest, 7)->ebx & bit(4)) << "HLE";
    EXPECT_FALSE(find(guest, 7)->ebx & bit(25)) << "processor trace";
    EXPECT_FALSE(find(guest, 7)->ebx & bit(2)) << "SGX";
    for (uint32_t hidden : {0xAu, 0x12u, 0x14u, 0x40000000u, 0x40000001u, 0x8000000Au})
        EXPECT_EQ(find(guest, hidden), nullptr) << std::hex << hidden;
}

TEST(CpuTemplate, KeepsWhatGuestsRelyOn) {
    const auto guest = guest_cpuid(everything());
    EXPECT_TRUE(find(guest, 1)->ecx & bit(31)) << "hypervisor";
    EXPECT_TRUE(find(guest, 1)->ecx & bit(0)) << "SSE3";
    EXPECT_TRUE(find(guest, 1)->ecx & bit(19)) << "SSE4.1";
    EXPECT_TRUE(find(guest, 1)->ecx & bit(26)) << "XSAVE";
    EXPECT_TRUE(find(guest, 1)->ecx & bit(28)) << "AVX";
    EXPECT_TRUE(find(guest, 1)->ecx & bit(30)) << "RDRAND";
    EXPECT_TRUE(find(guest, 1)->edx & bit(26)) << "SSE2";
    EXPECT_TRUE(find(guest, 7)->ebx & bit(5)) << "AVX2";
    EXPECT_TRUE(find(guest, 7)->ebx & bit(18)) << "RDSEED";
    EXPECT_TRUE(find(guest, 0x80000007)->edx & bit(8)) << "invariant TSC";
    EXPECT_NE(find(guest, 0x15), nullptr) << "TSC frequency leaf";
    EXPECT_NE(find(guest, 0xD, 0), nullptr) << "XSAVE state";
    EXPECT_EQ(find(guest, 7, 1)->eax, 0xFFFFFFFFu) << "other subleaves untouched";
}

TEST(CpuTemplate, SameHostSameCpu) {
    const auto a = guest_cpuid(everything()), b = guest_cpuid(everything());
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof a[i]), 0);
}

TEST(MsrFilter, AllowsTlsAndTheTscAndNothingOfVirtualizationOrSyscalls) {
    const auto allows = [](uint32_t msr, bool write) {
        for (const MsrRange& r : allowed_msrs())
            if (msr >= r.first && msr - r.first < r.count && (!write || r.write)) return true;
        return false;
    };
    EXPECT_TRUE(allows(0xC0000100, true)) << "FS_BASE";
    EXPECT_TRUE(allows(0xC0000101, true)) << "GS_BASE";
    EXPECT_TRUE(allows(0x10, false)) << "TSC";
    EXPECT_TRUE(allows(0xC0000080, false)) << "EFER read";
    EXPECT_FALSE(allows(0xC0000080, true)) << "EFER write";
    EXPECT_FALSE(allows(0x10, true)) << "TSC write";
    for (uint32_t denied : {0x3Au, 0x480u, 0x1A0u, 0xC0000081u, 0xC0000082u, 0xC0010114u, 0xC0010117u, 0x186u})
        EXPECT_FALSE(allows(denied, false)) << std::hex << denied;
}

}  // namespace
}  // namespace skiff::x86
