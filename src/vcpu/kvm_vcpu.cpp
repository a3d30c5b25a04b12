#include "vcpu/kvm_vcpu.h"

#include <unistd.h>
#include <atomic>

#include <cerrno>

#include "arch/arch.h"
#include "common/error.h"

namespace skiff {
namespace {

// Looked up once at set-up: the sandbox allows no file access while the guest runs.
std::string internal_error_hint() {
    if (access("/sys/module/kvm_pvm", F_OK) == 0)
        return "this host's /dev/kvm is kvm-pvm, a software hypervisor that cannot run some guest "
               "instructions (SSE arithmetic among them): run the guest on hardware KVM, or inside the "
               "emulated KVM host with skiff-test --kvm=emulated";
    return "KVM could not emulate a guest instruction";
}

}  // namespace

KvmVcpu::KvmVcpu(VcpuFd fd) : fd_(std::move(fd)), internal_error_hint_(internal_error_hint()) {}

VcpuExit KvmVcpu::run() {
    VcpuExit exit;
    for (;;) {
        const int err = fd_.run();
        if (err == 0) break;
        if (err == EAGAIN) continue;
        if (err == EINTR) {
            std::atomic_ref<uint8_t>(fd_.run_area().immediate_exit).store(0);
            exit.kind = VcpuExit::Kind::Interrupted;
            return exit;
        }
        if (err == EFAULT) {
            exit.kind = VcpuExit::Kind::MemoryFault;
            return exit;
        }
        throw HostError(errno_message("KVM: KVM_RUN failed", err));
    }
    const kvm_run& run = fd_.run_area();
    switch (run.exit_reason) {
        case KVM_EXIT_IO:
        case KVM_EXIT_MMIO: return arch::decode_access(run);
        case KVM_EXIT_HLT: exit.kind = VcpuExit::Kind::Halt; break;
        case KVM_EXIT_SHUTDOWN: exit.kind = VcpuExit::Kind::Shutdown; break;
        case KVM_EXIT_SYSTEM_EVENT:  // arm64: PSCI SYSTEM_OFF or SYSTEM_RESET, which the ABI has no use for
            exit.kind = VcpuExit::Kind::Shutdown;
            exit.what = "the guest asked the firmware to power off or reset (system event " +
                        std::to_string(run.system_event.type) + "); guests end with the HALT hypercall";
            break;
        case KVM_EXIT_DEBUG: exit.kind = VcpuExit::Kind::Debug; break;
        case KVM_EXIT_FAIL_ENTRY:
            exit.kind = VcpuExit::Kind::FailEntry;
            exit.detail = run.fail_entry.hardware_entry_failure_reason;
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            exit.kind = VcpuExit::Kind::InternalError;
            exit.detail = run.internal.suberror;
            exit.what = internal_error_hint_;
            break;
        default: return arch::decode_arch_exit(run);
    }
    return exit;
}

std::string KvmVcpu::describe_registers() {
    return arch::describe_registers(fd_);
}

}  // namespace skiff
