// The KVM_{GET,SET}_ONE_REG ids of the aarch64 registers skiff reads and writes (arm64 KVM only).
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>

namespace skiff::arch::aarch64_reg {

// A core register (a field of struct kvm_regs) of `size` (KVM_REG_SIZE_*).
constexpr uint64_t core(size_t offset, uint64_t size = KVM_REG_SIZE_U64) {
    return KVM_REG_ARM64 | size | KVM_REG_ARM_CORE | (offset / sizeof(uint32_t));
}
constexpr uint64_t x(size_t n) {
    return core(offsetof(kvm_regs, regs.regs) + n * sizeof(uint64_t));
}
constexpr uint64_t v(size_t n) {  // the 128-bit FP/SIMD register n
    return core(offsetof(kvm_regs, fp_regs.vregs) + n * 16, KVM_REG_SIZE_U128);
}
inline constexpr uint64_t kSpEl0 = core(offsetof(kvm_regs, regs.sp));
inline constexpr uint64_t kPc = core(offsetof(kvm_regs, regs.pc));
inline constexpr uint64_t kPstate = core(offsetof(kvm_regs, regs.pstate));
inline constexpr uint64_t kSpEl1 = core(offsetof(kvm_regs, sp_el1));
inline constexpr uint64_t kElrEl1 = core(offsetof(kvm_regs, elr_el1));
inline constexpr uint64_t kSpsrEl1 = core(offsetof(kvm_regs, spsr[KVM_SPSR_EL1]));
inline constexpr uint64_t kFpsr = core(offsetof(kvm_regs, fp_regs.fpsr), KVM_REG_SIZE_U32);
inline constexpr uint64_t kFpcr = core(offsetof(kvm_regs, fp_regs.fpcr), KVM_REG_SIZE_U32);

inline constexpr uint64_t kSctlr = ARM64_SYS_REG(3, 0, 1, 0, 0);
inline constexpr uint64_t kCpacr = ARM64_SYS_REG(3, 0, 1, 0, 2);
inline constexpr uint64_t kTtbr0 = ARM64_SYS_REG(3, 0, 2, 0, 0);
inline constexpr uint64_t kTtbr1 = ARM64_SYS_REG(3, 0, 2, 0, 1);
inline constexpr uint64_t kTcr = ARM64_SYS_REG(3, 0, 2, 0, 2);
inline constexpr uint64_t kEsr = ARM64_SYS_REG(3, 0, 5, 2, 0);
inline constexpr uint64_t kFar = ARM64_SYS_REG(3, 0, 6, 0, 0);
inline constexpr uint64_t kMair = ARM64_SYS_REG(3, 0, 10, 2, 0);
inline constexpr uint64_t kVbar = ARM64_SYS_REG(3, 0, 12, 0, 0);
inline constexpr uint64_t kTpidrEl0 = ARM64_SYS_REG(3, 3, 13, 0, 2);
inline constexpr uint64_t kTpidrEl1 = ARM64_SYS_REG(3, 0, 13, 0, 4);

}  // namespace skiff::arch::aarch64_reg
