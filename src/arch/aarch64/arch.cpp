// aarch64: EL1 with the MMU on from the first instruction, hypercalls as 4-byte stores into an MMIO
// window above guest RAM (docs/guest-abi.md, aarch64 §4, §5.1).
#include <elf.h>
#include <sys/random.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "arch/aarch64/mmio.h"
#include "arch/aarch64/page_tables.h"
#include "arch/aarch64/registers.h"
#include "arch/aarch64/vectors.h"
#include "arch/arch.h"
#include "arch/page_map.h"
#include "common/error.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/boot.h"
#include "skiff/abi/ring.h"

namespace skiff::arch {
namespace {

using namespace aarch64_reg;

constexpr uint64_t kSctlrAlignmentCheck = 1ull << 1;      // A: unaligned accesses fault
constexpr uint64_t kSctlrWriteNeverExecute = 1ull << 19;  // WXN: a writable page is never executable

// The virtual counter starts at a random value below 2^56, so the guest's stack-guard seed (two
// counter reads, docs/guest-abi.md aarch64 §7.1) is not predictable, and the counter cannot wrap.
uint64_t random_counter_start() {
    uint64_t value = 0;
    if (getrandom(&value, sizeof value, 0) != sizeof value) throw SetupError(errno_message("getrandom", errno));
    return value & ((1ull << 56) - 1);
}

}  // namespace

const char* const kName = "aarch64";
const uint16_t kElfMachine = EM_AARCH64;
const KickAddress kRingKick{SKIFF_RING_KICK_MMIO, false};
const KickAddress kBlockRingKick{SKIFF_BLOCK_RING_KICK_MMIO, false};

void check_image(const ElfImage& image) {
    if (image.machine() == EM_X86_64)
        throw ImageError(image.name() + ": an x86_64 executable; this skiff runs aarch64 ones");
}

void check_host(const Kvm& kvm) {
    if (!kvm.has(KVM_CAP_ONE_REG)) throw SetupError("KVM: cannot set vCPU registers (no KVM_CAP_ONE_REG)");
    const long page = sysconf(_SC_PAGESIZE);
    if (page != long(SKIFF_PAGE_SIZE))
        throw SetupError(
            "this host kernel uses " + std::to_string(page) +
            "-byte pages; skiff protects guest segments on 4 KiB boundaries and needs a 4 KiB-page kernel");
    // With KVM_CAP_ARM_VM_IPA_SIZE the default VM still has 40-bit guest physical addresses; the
    // hypercall window needs 33.
}

void check_plan(const std::string& image, const LoadPlan& plan) {
    check_page_tables_fit(image, plan);
}

void write_tables(GuestMemory& mem, const LoadPlan& plan) {
    aarch64::build_page_tables(mem, plan);
}

void set_entry_state(const Kvm&, VcpuFd& vcpu, const EntryState& state) {
    // FP and SIMD are the guest's from the start: compilers use them in ordinary code.
    vcpu.set_one_reg(kCpacr, vcpu.get_one_reg(kCpacr) | SKIFF_A64_CPACR_FPEN);
    vcpu.set_one_reg(kMair, SKIFF_A64_MAIR_INIT);
    vcpu.set_one_reg(kTcr, SKIFF_A64_TCR_INIT | SKIFF_A64_TCR_EPD1);
    vcpu.set_one_reg(kTtbr0, SKIFF_A64_L0_BASE);
    vcpu.set_one_reg(kVbar, SKIFF_A64_VECTORS_BASE);  // until the guest installs its own
    // Registers the ABI does not give a value read 0, not KVM's "unknown" fill.
    for (uint64_t reg : {kTtbr1, kTpidrEl0, kTpidrEl1, kElrEl1, kSpsrEl1, kEsr, kFar}) vcpu.set_one_reg(reg, 0);
    // KVM's reset value keeps the architecturally required bits; the MMU and caches go on, WXN backs
    // the page tables' W^X, and unaligned accesses stay allowed as in Solo5.
    const uint64_t sctlr = vcpu.get_one_reg(kSctlr);
    vcpu.set_one_reg(kSctlr, (sctlr | SKIFF_A64_SCTLR_MMU | kSctlrWriteNeverExecute) & ~kSctlrAlignmentCheck);
    vcpu.set_one_reg(KVM_REG_ARM_TIMER_CNT, random_counter_start());
    vcpu.set_one_reg(kPstate, SKIFF_A64_PSTATE_INIT);
    vcpu.set_one_reg(kSpEl1, state.mem_size - SKIFF_A64_STACK_GAP);
    vcpu.set_one_reg(x(0), state.boot_info);
    vcpu.set_one_reg(kPc, state.entry);
}

void restrict_vm(const Kvm& kvm, Vm& vm, bool) {
    // A load/store the CPU cannot describe (pair, writeback, SIMD register) in the hypercall window
    // exits to skiff, which names it, instead of failing KVM_RUN with ENOSYS.
    if (kvm.has(KVM_CAP_ARM_NISV_TO_USER) && !vm.enable_cap(KVM_CAP_ARM_NISV_TO_USER, 0))
        throw SetupError(errno_message("KVM: KVM_CAP_ARM_NISV_TO_USER", errno));
}

VcpuExit decode_arch_exit(const kvm_run& run) {
    VcpuExit exit;
    if (run.exit_reason != KVM_EXIT_ARM_NISV) {
        exit.kind = VcpuExit::Kind::Other;
        exit.detail = run.exit_reason;
        return exit;
    }
    exit.kind = VcpuExit::Kind::BadAccess;
    exit.mmio = true;
    exit.detail = run.arm_nisv.fault_ipa;
    exit.what = "invalid MMIO access at " + hex(run.arm_nisv.fault_ipa) +
                " (an instruction the CPU cannot describe: a load/store pair, writeback or SIMD register; a "
                "hypercall is a 4-byte str)";
    return exit;
}

uint64_t cycle_frequency(VcpuFd&) {
    uint64_t hz;
    __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(hz));
    if (hz == 0) throw SetupError("this host's counter frequency (CNTFRQ_EL0) is 0: the guest clock cannot run");
    return hz;
}

VcpuExit decode_access(const kvm_run& run) {
    if (run.exit_reason != KVM_EXIT_MMIO) return decode_arch_exit(run);
    uint64_t data = 0;
    std::memcpy(&data, run.mmio.data, std::min<size_t>(run.mmio.len, sizeof data));
    return aarch64::decode_mmio({run.mmio.phys_addr, run.mmio.len, run.mmio.is_write != 0, data});
}

// Solo5's aarch64 bindings always halt with cookie 0; no frame layout to read.
std::string describe_trap_frame(std::span<const uint8_t>) {
    return "";
}

std::string describe_registers(VcpuFd& vcpu) {
    const uint64_t pc = vcpu.get_one_reg(kPc);
    // skiff's default vectors keep the guest's x0 in TPIDR_EL1 (arch/aarch64/vectors.h).
    const bool in_default_vectors =
        pc >= SKIFF_A64_VECTORS_BASE && pc < SKIFF_A64_VECTORS_BASE + aarch64::kVectorTableSize;
    const uint64_t x0 = vcpu.get_one_reg(in_default_vectors ? kTpidrEl1 : x(0));
    char line[320];
    std::snprintf(line, sizeof line,
                  "pc=0x%llx sp=0x%llx lr=0x%llx pstate=0x%llx esr=0x%llx far=0x%llx elr=0x%llx x0=0x%llx",
                  (unsigned long long)pc, (unsigned long long)vcpu.get_one_reg(kSpEl1),
                  (unsigned long long)vcpu.get_one_reg(x(30)), (unsigned long long)vcpu.get_one_reg(kPstate),
                  (unsigned long long)vcpu.get_one_reg(kEsr), (unsigned long long)vcpu.get_one_reg(kFar),
                  (unsigned long long)vcpu.get_one_reg(kElrEl1), (unsigned long long)x0);
    return line;
}

void set_syscall_result(void* ucontext, long value) {
    static_cast<ucontext_t*>(ucontext)->uc_mcontext.regs[0] = static_cast<unsigned long long>(value);
}

void allow_vcpu(ThreadPolicy& rules, const VcpuFd& vcpu) {
    rules.allow_ioctl(vcpu.fd(), KVM_RUN, "run the guest");
    rules.allow_ioctl(vcpu.fd(), KVM_GET_ONE_REG, "a fault line shows the registers");
}

}  // namespace skiff::arch
