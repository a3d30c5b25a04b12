// How an aarch64 guest's access to the hypercall window becomes a hypercall (docs/guest-abi.md,
// aarch64 §5.1): a 4-byte store at the base of slot nr. Stricter than Solo5, which takes any byte of
// a slot. Plain C++ on any host: unit tests build it on x86_64 too.
#pragma once

#include <cstdint>

#include "vcpu/vcpu.h"

namespace skiff::aarch64 {

struct MmioAccess {
    uint64_t address;
    uint32_t length;
    bool write;
    uint64_t data;  // the stored bytes, little-endian, zero-extended
};

VcpuExit decode_mmio(const MmioAccess& access);

}  // namespace skiff::aarch64
