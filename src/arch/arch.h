// What an architecture provides: the guest's initial machine state (docs/guest-abi.md §3, §4) and the
// decoding of the guest's accesses into hypercalls (§5.1). One implementation per directory
// (src/arch/x86_64/, ...), chosen at build time; the generic code names no register.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "elf/elf_image.h"
#include "kvm/kvm.h"
#include "memory/guest_memory.h"
#include "vcpu/vcpu.h"

namespace skiff {
class ThreadPolicy;
}

namespace skiff::arch {

// "x86_64": messages and the ELF machine the images must have.
extern const char* const kName;
extern const uint16_t kElfMachine;

// Refuses an image built for another architecture (ImageError naming it).
void check_image(const ElfImage& image);

// Refuses a host KVM without what this architecture needs (SetupError).
void check_host(const Kvm& kvm);

// Refuses a load plan this architecture cannot map (ImageError naming the image), before anything
// is opened: e.g. more partially covered 2 MiB regions than there is room for page tables.
void check_plan(const std::string& image, const LoadPlan& plan);

// Writes the tables the guest starts with (descriptor tables, page tables) into low memory, mapping
// [0, mem.mapped_size()) with the permissions of the plan's segments.
void write_tables(GuestMemory& mem, const LoadPlan& plan);

struct EntryState {
    uint64_t entry;         // the image's entry point
    uint64_t mem_size;      // guest-visible memory: the stack starts just below it
    uint64_t boot_info;     // GPA of the boot info, the entry point's argument
    bool host_cpu = false;  // --cpu=host: the guest sees every CPU feature KVM offers
};
// Puts the vCPU in the ABI's entry state (registers, CPU features the guest sees).
void set_entry_state(const Kvm& kvm, VcpuFd& vcpu, const EntryState& state);

// Narrows what the guest may do to the CPU beyond what the ABI needs (docs/guest-abi.md §4.6): on
// x86, the MSRs it may read and write; a denied access ends the run naming it. Nothing with
// `host_cpu`. Where KVM cannot, says so on one line and carries on.
void restrict_vm(const Kvm& kvm, Vm& vm, bool host_cpu);

// An exit of this architecture's own (x86: a denied MSR access), decoded; Other if none.
VcpuExit decode_arch_exit(const kvm_run& run);

// The frequency of the cycle counter the guest's clock reads, in Hz (boot info cpu_cycle_freq).
uint64_t cycle_frequency(VcpuFd& vcpu);

// A port or MMIO exit: a hypercall, or a bad access described for the fault line.
VcpuExit decode_access(const kvm_run& run);

// Where the guest kicks the ring's ioeventfd.
struct KickAddress {
    uint64_t addr;
    bool pio;
};
extern const KickAddress kRingKick;       // the net ring's
extern const KickAddress kBlockRingKick;  // the block ring's

// What a HALT cookie of an aborting guest (status 255) says, if this architecture's Solo5 bindings
// put a trap frame there ("rip=0x... cr2=0x..." on x86_64); "" if not.
std::string describe_trap_frame(std::span<const uint8_t> cookie);

// "rip=0x... rsp=0x... ..." for a fault line.
std::string describe_registers(VcpuFd& vcpu);

// In a SIGSYS handler: makes the trapped system call return `value` (a -errno) to its caller.
void set_syscall_result(void* ucontext, long value);

// What the vCPU thread does with its vCPU under the sandbox: run it, read what a fault line shows.
void allow_vcpu(ThreadPolicy& rules, const VcpuFd& vcpu);

// Debugging: the registers in the layout gdb's remote protocol uses for this architecture, and
// back (false if `bytes` is not of that size); guest debugging with software and hardware breakpoints, and
// one instruction at a time; the instruction a software breakpoint is; what the sandbox allows for it.
std::vector<uint8_t> gdb_registers(const VcpuFd& vcpu);
bool set_gdb_registers(VcpuFd& vcpu, std::span<const uint8_t> bytes);
struct GuestDebug {
    bool enabled = false;
    bool single_step = false;
    std::span<const uint64_t> hardware_breakpoints;  // at most kHardwareBreakpoints
};
void set_guest_debug(VcpuFd& vcpu, const GuestDebug& debug);
std::span<const uint8_t> breakpoint_instruction();
extern const size_t kHardwareBreakpoints;
void allow_debugging(ThreadPolicy& rules, const VcpuFd& vcpu);

// Core files: the notes of an ELF core (NT_PRSTATUS, NT_PRFPREG) for the vCPU's state, with the
// registers a trap frame records (`trap_frame`, a GPA of `mem`, or 0) in place of the vCPU's.
std::vector<uint8_t> core_notes(const VcpuFd& vcpu, const GuestMemory& mem, uint64_t trap_frame, int pid);
void allow_core_dump(ThreadPolicy& rules, const VcpuFd& vcpu);

}  // namespace skiff::arch
