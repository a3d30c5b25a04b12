#include "kvm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "common/error.h"
#include "skiff/abi/boot.h"

namespace skiff {
namespace {

constexpr int kKvmApiVersion = 12;

// In C++ the kernel header's flexible-array macro moves kvm_cpuid2's entries to offset 12 (and its
// ioctl numbers with it), so the buffer and the ioctls are spelled with the kernel's real layout:
// {u32 nent; u32 padding; kvm_cpuid_entry2 entries[];}.
struct CpuidHeader {
    uint32_t nent;
    uint32_t padding;
};
constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, sizeof(CpuidHeader));
constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, sizeof(CpuidHeader));

// Set-up failures are the operator's problem (no KVM, no permission); failures under a running guest are not.
[[noreturn]] void setup_failed(const char* what) {
    throw UsageError(errno_message(std::string("KVM: ") + what, errno));
}

kvm_segment segment(uint16_t selector, uint8_t type, bool code) {
    kvm_segment s{};
    s.base = 0;
    s.limit = 0xFFFFFFFF;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.dpl = 0;
    s.db = code ? 0 : 1;
    s.s = 1;
    s.l = code ? 1 : 0;
    s.g = 1;
    return s;
}

}  // namespace

Kvm::Kvm() : fd_(::open("/dev/kvm", O_RDWR | O_CLOEXEC)) {
    if (!fd_.valid()) setup_failed("cannot open /dev/kvm");
    if (ioctl(fd(), KVM_GET_API_VERSION, 0) != kKvmApiVersion) throw UsageError("KVM: unsupported API version");
    for (int cap : {KVM_CAP_USER_MEMORY, KVM_CAP_GET_TSC_KHZ})
        if (!has(cap)) throw UsageError("KVM: missing capability " + std::to_string(cap));
}

int Kvm::vcpu_mmap_size() const {
    int size = ioctl(fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) setup_failed("KVM_GET_VCPU_MMAP_SIZE");
    return size;
}

bool Kvm::has(int capability) const {
    return ioctl(fd(), KVM_CHECK_EXTENSION, capability) > 0;
}

std::vector<uint8_t> Kvm::supported_cpuid() const {
    for (uint32_t n = 128;; n *= 2) {
        std::vector<uint8_t> buf(sizeof(CpuidHeader) + n * sizeof(kvm_cpuid_entry2));
        const CpuidHeader header{n, 0};
        std::memcpy(buf.data(), &header, sizeof header);
        if (ioctl(fd(), kGetSupportedCpuid, buf.data()) == 0) return buf;
        if (errno != E2BIG || n >= 4096) setup_failed("KVM_GET_SUPPORTED_CPUID");
    }
}

Vm::Vm(const Kvm& kvm) : fd_(ioctl(kvm.fd(), KVM_CREATE_VM, 0)) {
    if (!fd_.valid()) setup_failed("cannot create a VM");
}

void Vm::set_memory(uint64_t gpa, uint64_t size, void* host) {
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = gpa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host);
    if (ioctl(fd(), KVM_SET_USER_MEMORY_REGION, &region) != 0) setup_failed("KVM_SET_USER_MEMORY_REGION");
}

bool Vm::add_pio_eventfd(uint16_t port, int eventfd) {
    kvm_ioeventfd io{};
    io.addr = port;
    io.len = 4;
    io.fd = eventfd;
    io.flags = KVM_IOEVENTFD_FLAG_PIO;
    return ioctl(fd(), KVM_IOEVENTFD, &io) == 0;
}

std::unique_ptr<KvmVcpu> Vm::create_vcpu(const Kvm& kvm) {
    UniqueFd vcpu(ioctl(fd(), KVM_CREATE_VCPU, 0));
    if (!vcpu.valid()) setup_failed("cannot create a vCPU");
    return std::make_unique<KvmVcpu>(std::move(vcpu), kvm.vcpu_mmap_size());
}

KvmVcpu::KvmVcpu(UniqueFd fd, int mmap_size) : fd_(std::move(fd)), mmap_size_(mmap_size) {
    void* p = mmap(nullptr, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) setup_failed("cannot map the vCPU run area");
    run_ = static_cast<kvm_run*>(p);
}

KvmVcpu::~KvmVcpu() {
    munmap(run_, mmap_size_);
}

void KvmVcpu::enter_long_mode(const LongModeEntry& entry) {
    kvm_sregs sregs{};
    if (ioctl(fd(), KVM_GET_SREGS, &sregs) != 0) setup_failed("KVM_GET_SREGS");
    sregs.cs = segment(SKIFF_X86_SEL_CODE, 9, true);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = segment(SKIFF_X86_SEL_DATA, 3, false);
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
    if (ioctl(fd(), KVM_SET_SREGS, &sregs) != 0) setup_failed("KVM_SET_SREGS");

    kvm_regs regs{};
    regs.rip = entry.rip;
    regs.rsp = entry.rsp;
    regs.rdi = entry.rdi;
    regs.rflags = SKIFF_X86_RFLAGS_INIT;
    if (ioctl(fd(), KVM_SET_REGS, &regs) != 0) setup_failed("KVM_SET_REGS");
}

void KvmVcpu::set_cpuid(const std::vector<uint8_t>& cpuid) {
    if (ioctl(fd(), kSetCpuid2, cpuid.data()) != 0) setup_failed("KVM_SET_CPUID2");
}

uint64_t KvmVcpu::tsc_hz() {
    int khz = ioctl(fd(), KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) {
        if (errno == EIO) throw UsageError("KVM: host TSC is unstable, cannot continue");
        setup_failed("KVM_GET_TSC_KHZ");
    }
    return uint64_t(khz) * 1000;
}

void KvmVcpu::enable_remote_exit() {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};  // only there to interrupt KVM_RUN: no SA_RESTART
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, nullptr) != 0) setup_failed("cannot install the SIGUSR1 handler");
    pid_ = getpid();
    tid_ = gettid();
}

void KvmVcpu::request_exit() {
    // immediate_exit covers a signal that lands outside KVM_RUN; the signal covers a running guest.
    std::atomic_ref<uint8_t>(run_->immediate_exit).store(1);
    syscall(SYS_tgkill, pid_, tid_, SIGUSR1);
}

VcpuExit KvmVcpu::run() {
    VcpuExit exit;
    while (ioctl(fd(), KVM_RUN, 0) != 0) {
        if (errno == EINTR && std::atomic_ref<uint8_t>(run_->immediate_exit).exchange(0)) {
            exit.kind = VcpuExit::Kind::Interrupted;
            return exit;
        }
        if (errno == EINTR || errno == EAGAIN) continue;
        if (errno == EFAULT) {
            exit.kind = VcpuExit::Kind::MemoryFault;
            return exit;
        }
        throw HostError(errno_message("KVM: KVM_RUN failed", errno));
    }
    switch (run_->exit_reason) {
        case KVM_EXIT_IO:
            exit.kind = VcpuExit::Kind::Io;
            exit.port = run_->io.port;
            exit.out = run_->io.direction == KVM_EXIT_IO_OUT;
            exit.size = run_->io.size;
            if (exit.size == 4 && run_->io.count == 1)
                std::memcpy(&exit.value, reinterpret_cast<uint8_t*>(run_) + run_->io.data_offset, 4);
            else
                exit.size = 0;  // string or repeated I/O is never a hypercall
            break;
        case KVM_EXIT_HLT: exit.kind = VcpuExit::Kind::Halt; break;
        case KVM_EXIT_SHUTDOWN: exit.kind = VcpuExit::Kind::Shutdown; break;
        case KVM_EXIT_FAIL_ENTRY:
            exit.kind = VcpuExit::Kind::FailEntry;
            exit.detail = run_->fail_entry.hardware_entry_failure_reason;
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            exit.kind = VcpuExit::Kind::InternalError;
            exit.detail = run_->internal.suberror;
            break;
        default:
            exit.kind = VcpuExit::Kind::Other;
            exit.detail = run_->exit_reason;
            break;
    }
    return exit;
}

VcpuRegisters KvmVcpu::registers() {
    kvm_regs r{};
    kvm_sregs s{};
    if (ioctl(fd(), KVM_GET_REGS, &r) != 0 || ioctl(fd(), KVM_GET_SREGS, &s) != 0)
        throw HostError(errno_message("KVM: cannot read guest registers", errno));
    return VcpuRegisters{r.rip, r.rsp, r.rbp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
                         r.rsi, r.rdi, s.cr0, s.cr2,    s.cr3, s.cr4, s.efer};
}

}  // namespace skiff
