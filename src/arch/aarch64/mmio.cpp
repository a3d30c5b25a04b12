#include "arch/aarch64/mmio.h"

#include "arch/aarch64/vectors.h"

#include "common/error.h"
#include "skiff/abi/hypercall.h"

namespace skiff::aarch64 {
namespace {

VcpuExit bad_access(const MmioAccess& access, const std::string& why) {
    VcpuExit exit;
    exit.kind = VcpuExit::Kind::BadAccess;
    exit.mmio = true;
    exit.detail = access.address;
    exit.what = std::string("invalid MMIO ") + (access.write ? "store" : "load") + " of " +
                std::to_string(access.length) + " bytes at " + hex(access.address) + " (" + why + ")";
    return exit;
}

}  // namespace

VcpuExit decode_mmio(const MmioAccess& access) {
    if (const std::optional<std::string> trap = trap_description(access.address); trap && access.write) {
        VcpuExit exit;
        exit.kind = VcpuExit::Kind::Shutdown;
        exit.what = "unhandled " + *trap + " before the guest installed exception vectors (esr, far and elr say which)";
        return exit;
    }
    const uint64_t end = SKIFF_HYPERCALL_MMIO_ADDR(SKIFF_HC_MAX);
    if (access.address < SKIFF_HYPERCALL_MMIO_BASE || access.address >= end)
        return bad_access(access, "not a hypercall address");
    const uint64_t offset = access.address - SKIFF_HYPERCALL_MMIO_BASE;
    if (offset % 8 != 0) return bad_access(access, "not the start of a hypercall slot");
    if (!access.write || access.length != 4) return bad_access(access, "a hypercall is a 4-byte store");
    VcpuExit exit;
    exit.kind = VcpuExit::Kind::Hypercall;
    exit.nr = uint32_t(offset / 8);
    exit.arg = access.data & 0xFFFFFFFFu;
    return exit;
}

}  // namespace skiff::aarch64
