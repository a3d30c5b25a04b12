#include "kvm/kvm.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "common/error.h"

namespace skiff {
namespace {

constexpr int kKvmApiVersion = 12;

[[noreturn]] void setup_failed(const char* what) {
    throw SetupError(errno_message(std::string("KVM: ") + what, errno));
}

#if defined(__x86_64__)
// In C++ the kernel header's flexible-array macro moves kvm_cpuid2's entries to offset 12 (and its
// ioctl numbers with it), so the buffer and the ioctls are spelled with the kernel's real layout:
// {u32 nent; u32 padding; kvm_cpuid_entry2 entries[];}.
struct CpuidHeader {
    uint32_t nent;
    uint32_t padding;
};
constexpr unsigned long kGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, sizeof(CpuidHeader));
constexpr unsigned long kSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, sizeof(CpuidHeader));

std::vector<uint8_t> cpuid_buffer(uint32_t n) {
    std::vector<uint8_t> buf(sizeof(CpuidHeader) + n * sizeof(kvm_cpuid_entry2));
    const CpuidHeader header{n, 0};
    std::memcpy(buf.data(), &header, sizeof header);
    return buf;
}
#endif

// The name of group GID, from /etc/group itself rather than through NSS (getgrgid), which a static
// skiff cannot load; "" if it is not there.
std::string local_group_name(gid_t gid) {
    const std::unique_ptr<FILE, int (*)(FILE*)> groups(std::fopen("/etc/group", "re"), std::fclose);
    if (!groups) return "";
    while (const group* g = fgetgrent(groups.get()))
        if (g->gr_gid == gid) return g->gr_name;
    return "";
}

// What to do when /dev/kvm cannot be opened, for the error line.
std::string kvm_access_hint(int error) {
    if (error == ENOENT)
        return " (no KVM on this host: enable virtualization, load kvm_intel or kvm_amd, or run the guest in a "
               "VM that offers nested KVM)";
    if (error != EACCES && error != EPERM) return "";
    struct stat st;
    const bool known = ::stat("/dev/kvm", &st) == 0;
    const std::string owner = known && st.st_gid != 0 && (st.st_mode & 060) == 060 ? local_group_name(st.st_gid) : "";
    if (!owner.empty())
        return " (give this user access: usermod -aG " + owner + " $USER, then log in again; or run as root)";
    return " (give this user access: setfacl -m u:$USER:rw /dev/kvm, or a udev rule giving group kvm read-write; "
           "or run as root)";
}

}  // namespace

Kvm::Kvm() : fd_(::open("/dev/kvm", O_RDWR | O_CLOEXEC)) {
    if (!fd_.valid()) {
        const int error = errno;
        throw SetupError(errno_message("KVM: cannot open /dev/kvm", error) + kvm_access_hint(error));
    }
    if (ioctl(fd(), KVM_GET_API_VERSION, 0) != kKvmApiVersion) throw SetupError("KVM: unsupported API version");
    if (!has(KVM_CAP_USER_MEMORY)) throw SetupError("KVM: no user memory (KVM_CAP_USER_MEMORY)");
}

bool Vm::enable_cap(uint32_t capability, uint64_t arg0) {
    kvm_enable_cap cap{};
    cap.cap = capability;
    cap.args[0] = arg0;
    return ioctl(fd(), KVM_ENABLE_CAP, &cap) == 0;
}

#if defined(__x86_64__)
bool Vm::set_msr_filter(const kvm_msr_filter& filter) {
    return ioctl(fd(), KVM_X86_SET_MSR_FILTER, &filter) == 0;
}
#endif

int Kvm::check_extension(int capability) const {
    return ioctl(fd(), KVM_CHECK_EXTENSION, capability);
}

int Kvm::vcpu_mmap_size() const {
    const int size = ioctl(fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) setup_failed("KVM_GET_VCPU_MMAP_SIZE");
    return size;
}

#if defined(__x86_64__)
std::vector<kvm_cpuid_entry2> Kvm::supported_cpuid() const {
    for (uint32_t n = 128;; n *= 2) {
        std::vector<uint8_t> buf = cpuid_buffer(n);
        if (ioctl(fd(), kGetSupportedCpuid, buf.data()) == 0) {
            CpuidHeader header;
            std::memcpy(&header, buf.data(), sizeof header);
            std::vector<kvm_cpuid_entry2> entries(header.nent);
            std::memcpy(entries.data(), buf.data() + sizeof header, header.nent * sizeof(kvm_cpuid_entry2));
            return entries;
        }
        if (errno != E2BIG || n >= 4096) setup_failed("KVM_GET_SUPPORTED_CPUID");
    }
}
#endif

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

bool Vm::add_ioeventfd(uint64_t addr, bool pio, int eventfd) {
    kvm_ioeventfd io{};
    io.addr = addr;
    io.len = 4;
    io.fd = eventfd;
    io.flags = pio ? KVM_IOEVENTFD_FLAG_PIO : 0;
    return ioctl(fd(), KVM_IOEVENTFD, &io) == 0;
}

VcpuFd Vm::create_vcpu(const Kvm& kvm) {
    UniqueFd vcpu(ioctl(fd(), KVM_CREATE_VCPU, 0));
    if (!vcpu.valid()) setup_failed("cannot create a vCPU");
#if defined(__aarch64__)
    kvm_vcpu_init init{};
    if (ioctl(fd(), KVM_ARM_PREFERRED_TARGET, &init) != 0) setup_failed("KVM_ARM_PREFERRED_TARGET");
    std::memset(init.features, 0, sizeof init.features);
    if (ioctl(vcpu.get(), KVM_ARM_VCPU_INIT, &init) != 0) setup_failed("KVM_ARM_VCPU_INIT");
#endif
    return VcpuFd(std::move(vcpu), kvm.vcpu_mmap_size());
}

VcpuFd::VcpuFd(UniqueFd fd, int mmap_size) : fd_(std::move(fd)), mmap_size_(mmap_size) {
    void* p = mmap(nullptr, size_t(mmap_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) setup_failed("cannot map the vCPU run area");
    run_ = static_cast<kvm_run*>(p);
}

VcpuFd::VcpuFd(VcpuFd&& other) noexcept
    : fd_(std::move(other.fd_)), run_(std::exchange(other.run_, nullptr)), mmap_size_(other.mmap_size_) {}

VcpuFd::~VcpuFd() {
    if (run_) munmap(run_, size_t(mmap_size_));
}

int VcpuFd::run() {
    return ioctl(fd(), KVM_RUN, 0) == 0 ? 0 : errno;
}

void VcpuFd::set_guest_debug(const kvm_guest_debug& debug) {
    if (ioctl(fd(), KVM_SET_GUEST_DEBUG, &debug) != 0)
        throw HostError(errno_message("KVM: KVM_SET_GUEST_DEBUG", errno));
}

#if defined(__x86_64__)
kvm_regs VcpuFd::get_regs() const {
    kvm_regs regs{};
    if (ioctl(fd(), KVM_GET_REGS, &regs) != 0) throw HostError(errno_message("KVM: KVM_GET_REGS", errno));
    return regs;
}

void VcpuFd::set_regs(const kvm_regs& regs) {
    if (ioctl(fd(), KVM_SET_REGS, &regs) != 0) throw HostError(errno_message("KVM: KVM_SET_REGS", errno));
}

kvm_sregs VcpuFd::get_sregs() const {
    kvm_sregs sregs{};
    if (ioctl(fd(), KVM_GET_SREGS, &sregs) != 0) throw HostError(errno_message("KVM: KVM_GET_SREGS", errno));
    return sregs;
}

void VcpuFd::set_sregs(const kvm_sregs& sregs) {
    if (ioctl(fd(), KVM_SET_SREGS, &sregs) != 0) throw HostError(errno_message("KVM: KVM_SET_SREGS", errno));
}

void VcpuFd::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
    std::vector<uint8_t> buf = cpuid_buffer(uint32_t(entries.size()));
    std::memcpy(buf.data() + sizeof(CpuidHeader), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
    if (ioctl(fd(), kSetCpuid2, buf.data()) != 0) setup_failed("KVM_SET_CPUID2");
}

kvm_fpu VcpuFd::get_fpu() const {
    kvm_fpu fpu{};
    if (ioctl(fd(), KVM_GET_FPU, &fpu) != 0) throw HostError(errno_message("KVM: KVM_GET_FPU", errno));
    return fpu;
}

void VcpuFd::set_fpu(const kvm_fpu& fpu) {
    if (ioctl(fd(), KVM_SET_FPU, &fpu) != 0) throw HostError(errno_message("KVM: KVM_SET_FPU", errno));
}

int VcpuFd::tsc_khz() const {
    const int khz = ioctl(fd(), KVM_GET_TSC_KHZ, 0);
    return khz > 0 ? khz : -errno;
}
#endif

#if defined(__aarch64__)
uint64_t VcpuFd::get_one_reg(uint64_t id) const {
    uint64_t value = 0;
    get_one_reg_bytes(id, &value);
    return value;
}

void VcpuFd::get_one_reg_bytes(uint64_t id, void* value) const {
    kvm_one_reg reg{id, reinterpret_cast<uint64_t>(value)};
    if (ioctl(fd(), KVM_GET_ONE_REG, &reg) != 0)
        throw HostError(errno_message("KVM: KVM_GET_ONE_REG " + hex(id), errno));
}

void VcpuFd::set_one_reg(uint64_t id, uint64_t value) {
    kvm_one_reg reg{id, reinterpret_cast<uint64_t>(&value)};
    if (ioctl(fd(), KVM_SET_ONE_REG, &reg) != 0)
        throw HostError(errno_message("KVM: KVM_SET_ONE_REG " + hex(id), errno));
}
#endif

}  // namespace skiff
