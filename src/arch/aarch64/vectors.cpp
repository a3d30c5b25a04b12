#include "arch/aarch64/vectors.h"

#include "skiff/abi/hypercall.h"

namespace skiff::aarch64 {
namespace {

constexpr uint32_t kMsrTpidrEl1X0 = 0xD518D080;  // msr tpidr_el1, x0
constexpr uint32_t kStrWzrAtX0 = 0xB900001F;     // str wzr, [x0]
constexpr uint32_t kBranchToSelf = 0x14000000;   // b .

// movz (first) or movk x0, #imm16, lsl #(16 * half)
uint32_t move_x0(bool keep, unsigned half, uint64_t value) {
    const uint32_t imm16 = uint32_t(value >> (16 * half)) & 0xFFFF;
    return (keep ? 0xF2800000u : 0xD2800000u) | (half << 21) | (imm16 << 5);
}

}  // namespace

std::array<uint32_t, kVectorTableSize / 4> default_vector_table() {
    std::array<uint32_t, kVectorTableSize / 4> words{};
    for (unsigned i = 0; i < kVectors; ++i) {
        const uint64_t trap = SKIFF_A64_TRAP_MMIO + 8 * i;
        uint32_t* entry = &words[i * kVectorStride / 4];
        *entry++ = kMsrTpidrEl1X0;
        *entry++ = move_x0(false, 0, trap);
        *entry++ = move_x0(true, 1, trap);
        *entry++ = move_x0(true, 2, trap);
        *entry++ = kStrWzrAtX0;
        *entry = kBranchToSelf;
    }
    return words;
}

std::optional<std::string> trap_description(uint64_t address) {
    if (address < SKIFF_A64_TRAP_MMIO || address >= SKIFF_A64_TRAP_MMIO + 8 * kVectors || address % 8 != 0)
        return std::nullopt;
    static const char* const kinds[] = {"synchronous exception", "IRQ", "FIQ", "SError"};
    static const char* const sources[] = {"the current EL (SP_EL0)", "the current EL (SP_EL1)", "a lower EL (AArch64)",
                                          "a lower EL (AArch32)"};
    const uint64_t i = (address - SKIFF_A64_TRAP_MMIO) / 8;
    return std::string(kinds[i % 4]) + " from " + sources[i / 4];
}

}  // namespace skiff::aarch64
