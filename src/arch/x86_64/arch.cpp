// x86_64: 64-bit long mode from the first instruction, hypercalls as 32-bit OUTs to port 0x500 + nr
// (docs/guest-abi.md §4, §5.1).
#include <elf.h>
#include <ucontext.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "arch/arch.h"
#include "arch/page_map.h"
#include "arch/x86_64/cpu_template.h"
#include "arch/x86_64/page_tables.h"
#include "common/error.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/hypercall.h"
#include "skiff/abi/ring.h"

namespace skiff::arch {
namespace {

kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code) {
    kvm_segment s{};
    s.limit = 0xFFFFFFFF;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.db = code ? 0 : 1;
    s.s = 1;
    s.l = code ? 1 : 0;
    s.g = 1;
    return s;
}

// Long mode with paging on (§4.1, §4.2), EFER.NXE so the page tables' NX bits hold.
kvm_sregs long_mode(kvm_sregs sregs) {
    sregs.cs = flat_segment(SKIFF_X86_SEL_CODE, 9, true);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(SKIFF_X86_SEL_DATA, 3, false);
    sregs.tr = kvm_segment{};
    sregs.tr.type = 11;
    sregs.tr.present = 1;
    sregs.ldt = kvm_segment{};
    sregs.ldt.unusable = 1;
    sregs.gdt.base = SKIFF_GDT_BASE;
    sregs.gdt.limit = 23;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;
    sregs.cr0 = SKIFF_X86_CR0_INIT;
    sregs.cr2 = 0;
    sregs.cr3 = SKIFF_PML4_BASE;
    sregs.cr4 = SKIFF_X86_CR4_INIT;
    sregs.cr8 = 0;
    sregs.efer = SKIFF_X86_EFER_INIT | SKIFF_X86_EFER_NXE;
    sregs.apic_base = 0;
    std::memset(sregs.interrupt_bitmap, 0, sizeof sregs.interrupt_bitmap);
    return sregs;
}

}  // namespace

const char* const kName = "x86_64";
const uint16_t kElfMachine = EM_X86_64;
const KickAddress kRingKick{SKIFF_RING_KICK_PORT, true};
const KickAddress kBlockRingKick{SKIFF_BLOCK_RING_KICK_PORT, true};

void check_image(const ElfImage& image) {
    if (image.machine() == EM_AARCH64)
        throw ImageError(image.name() + ": an aarch64 executable; this skiff runs x86_64 ones");
}

void check_host(const Kvm& kvm) {
    if (!kvm.has(KVM_CAP_GET_TSC_KHZ)) throw SetupError("KVM: cannot read the TSC frequency (KVM_CAP_GET_TSC_KHZ)");
}

void check_plan(const std::string& image, const LoadPlan& plan) {
    check_page_tables_fit(image, plan);
}

void write_tables(GuestMemory& mem, const LoadPlan& plan) {
    mem.write_setup<uint64_t>(SKIFF_GDT_BASE + 8, SKIFF_X86_GDT_CODE);
    mem.write_setup<uint64_t>(SKIFF_GDT_BASE + 16, SKIFF_X86_GDT_DATA);
    x86::build_page_tables(mem, plan);
}

void set_entry_state(const Kvm& kvm, VcpuFd& vcpu, const EntryState& state) {
    vcpu.set_cpuid(state.host_cpu ? kvm.supported_cpuid() : x86::guest_cpuid(kvm.supported_cpuid()));
    vcpu.set_sregs(long_mode(vcpu.get_sregs()));
    kvm_regs regs{};
    regs.rip = state.entry;
    regs.rsp = state.mem_size - 8;  // as if the entry point had just been called (§4.4)
    regs.rdi = state.boot_info;
    regs.rflags = SKIFF_X86_RFLAGS_INIT;
    vcpu.set_regs(regs);
}

void restrict_vm(const Kvm& kvm, Vm& vm, bool host_cpu) {
    if (host_cpu) return;
    if (!kvm.has(KVM_CAP_X86_MSR_FILTER) || !kvm.has(KVM_CAP_X86_USER_SPACE_MSR)) {
        note("this KVM cannot filter MSRs (no KVM_CAP_X86_MSR_FILTER): the guest may access every MSR KVM emulates");
        return;
    }
    // Denied accesses exit to skiff (which ends the run naming the MSR) instead of a #GP the guest
    // would most likely turn into a triple fault without saying which.
    if (!vm.enable_cap(KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER))
        throw SetupError(errno_message("KVM: KVM_CAP_X86_USER_SPACE_MSR", errno));
    static uint8_t all_allowed[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // up to 64 MSRs a range
    kvm_msr_filter filter{};
    filter.flags = KVM_MSR_FILTER_DEFAULT_DENY;
    size_t n = 0;
    for (const x86::MsrRange& r : x86::allowed_msrs()) {
        filter.ranges[n++] = {KVM_MSR_FILTER_READ, r.count, r.first, all_allowed};
        if (r.write) filter.ranges[n++] = {KVM_MSR_FILTER_WRITE, r.count, r.first, all_allowed};
    }
    if (!vm.set_msr_filter(filter)) throw SetupError(errno_message("KVM: KVM_X86_SET_MSR_FILTER", errno));
}

VcpuExit decode_arch_exit(const kvm_run& run) {
    VcpuExit exit;
    if (run.exit_reason != KVM_EXIT_X86_RDMSR && run.exit_reason != KVM_EXIT_X86_WRMSR) {
        exit.kind = VcpuExit::Kind::Other;
        exit.detail = run.exit_reason;
        return exit;
    }
    const bool write = run.exit_reason == KVM_EXIT_X86_WRMSR;
    const std::string name = x86::msr_name(run.msr.index);
    exit.kind = VcpuExit::Kind::BadAccess;
    exit.detail = run.msr.index;
    exit.what = std::string(write ? "wrmsr" : "rdmsr") + " of MSR " + hex(run.msr.index) +
                (name.empty() ? "" : " (" + name + ")") + ", which the MSR filter denies (docs/guest-abi.md §4.6)";
    return exit;
}

uint64_t cycle_frequency(VcpuFd& vcpu) {
    const int khz = vcpu.tsc_khz();
    if (khz == -EIO) throw SetupError("KVM: the host TSC is unstable; the guest clock needs a stable one");
    if (khz <= 0) throw SetupError(errno_message("KVM: KVM_GET_TSC_KHZ", -khz));
    return uint64_t(khz) * 1000;
}

VcpuExit decode_access(const kvm_run& run) {
    VcpuExit exit;
    if (run.exit_reason == KVM_EXIT_MMIO) {  // x86 guests have no MMIO devices
        exit.kind = VcpuExit::Kind::BadAccess;
        exit.mmio = true;
        exit.detail = run.mmio.phys_addr;
        exit.what = "invalid MMIO access: addr=" + hex(run.mmio.phys_addr);
        return exit;
    }
    const uint16_t port = run.io.port;
    const uint32_t nr = uint32_t(port) - SKIFF_HYPERCALL_PIO_BASE;
    if (run.io.direction != KVM_EXIT_IO_OUT || run.io.size != 4 || run.io.count != 1 ||
        port < SKIFF_HYPERCALL_PIO_BASE || nr >= SKIFF_HC_MAX) {
        exit.kind = VcpuExit::Kind::BadAccess;
        exit.what = "invalid port access: port=" + hex(port);
        return exit;
    }
    uint32_t gpa;
    std::memcpy(&gpa, reinterpret_cast<const uint8_t*>(&run) + run.io.data_offset, sizeof gpa);
    exit.kind = VcpuExit::Kind::Hypercall;
    exit.nr = nr;
    exit.arg = gpa;
    return exit;
}

// Seven u64s: CR2, error code, RIP, CS, RFLAGS, RSP, SS.
std::string describe_trap_frame(std::span<const uint8_t> cookie) {
    uint64_t f[7];
    std::memcpy(f, cookie.data(), sizeof f);
    char line[160];
    std::snprintf(line, sizeof line, "rip=0x%llx cr2=0x%llx ec=0x%llx rsp=0x%llx rflags=0x%llx",
                  (unsigned long long)f[2], (unsigned long long)f[0], (unsigned long long)f[1],
                  (unsigned long long)f[5], (unsigned long long)f[4]);
    return line;
}

std::string describe_registers(VcpuFd& vcpu) {
    const kvm_regs r = vcpu.get_regs();
    const kvm_sregs s = vcpu.get_sregs();
    char line[320];
    std::snprintf(line, sizeof line,
                  "rip=0x%llx rsp=0x%llx rflags=0x%llx cr2=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx "
                  "rsi=0x%llx rdi=0x%llx rbp=0x%llx cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx",
                  (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags,
                  (unsigned long long)s.cr2, (unsigned long long)r.rax, (unsigned long long)r.rbx,
                  (unsigned long long)r.rcx, (unsigned long long)r.rdx, (unsigned long long)r.rsi,
                  (unsigned long long)r.rdi, (unsigned long long)r.rbp, (unsigned long long)s.cr0,
                  (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
    return line;
}

}  // namespace skiff::arch

namespace skiff::arch {

void set_syscall_result(void* ucontext, long value) {
    static_cast<ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RAX] = value;
}

void allow_vcpu(ThreadPolicy& rules, const VcpuFd& vcpu) {
    rules.allow_ioctl(vcpu.fd(), KVM_RUN, "run the guest");
    rules.allow_ioctl(vcpu.fd(), KVM_GET_REGS, "a fault line shows the registers");
    rules.allow_ioctl(vcpu.fd(), KVM_GET_SREGS, "a fault line shows the registers");
}

}  // namespace skiff::arch
