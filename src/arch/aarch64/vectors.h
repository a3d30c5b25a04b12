// The vector table skiff gives an aarch64 guest until the guest installs its own (VBAR_EL1 starts at
// SKIFF_A64_VECTORS_BASE). Every entry stores to its trap address in the hypercall window, so an
// exception the guest cannot handle yet ends the run with one fault line, where the CPU would
// otherwise loop through unmapped vectors forever. Plain C++ on any host.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace skiff::aarch64 {

inline constexpr unsigned kVectors = 16;
inline constexpr uint64_t kVectorStride = 0x80;
inline constexpr uint64_t kVectorTableSize = kVectors * kVectorStride;

// The table's instructions: entry i keeps x0 in TPIDR_EL1, then stores to SKIFF_A64_TRAP_MMIO + 8 i.
std::array<uint32_t, kVectorTableSize / 4> default_vector_table();

// "synchronous exception from the current EL (SP_EL1)" for a store to `address`; nullopt if
// `address` is no trap address.
std::optional<std::string> trap_description(uint64_t address);

}  // namespace skiff::aarch64
