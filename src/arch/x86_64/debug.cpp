// x86_64 debugging: gdb's register layout for amd64 and ELF core notes, from KVM's vCPU state.
#include <elf.h>
#include <sys/procfs.h>
#include <sys/user.h>

#include <cstring>

#include "arch/arch.h"
#include "arch/core_note.h"
#include "sandbox/sandbox.h"
#include "skiff/abi/hypercall.h"

namespace skiff::arch {
namespace {

// gdb's amd64 'g' packet without a target description: 16 general registers, rip (8 bytes each),
// eflags, cs, ss, ds, es, fs, gs (4 each), st0-st7 (10 each), the eight x87 control registers
// (4 each), xmm0-xmm15 (16 each), mxcsr (4).
constexpr size_t kGdbRegistersSize = 16 * 8 + 8 + 7 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4;

class Writer {
  public:
    explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
    template <typename T>
    void put(T value, size_t size = sizeof(T)) {
        const auto* p = reinterpret_cast<const uint8_t*>(&value);
        out_.insert(out_.end(), p, p + size);
    }
    void bytes(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }

  private:
    std::vector<uint8_t>& out_;
};

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> in) : in_(in) {}
    template <typename T>
    T get(size_t size = sizeof(T)) {
        T value{};
        std::memcpy(&value, in_.data() + at_, size);
        at_ += size;
        return value;
    }
    void bytes(uint8_t* p, size_t n) {
        std::memcpy(p, in_.data() + at_, n);
        at_ += n;
    }

  private:
    std::span<const uint8_t> in_;
    size_t at_ = 0;
};

// FXSAVE keeps one "valid" bit per x87 register; gdb wants the full tag word: 00 valid, 11 empty.
uint32_t full_tag_word(uint8_t abridged) {
    uint32_t tags = 0;
    for (int i = 0; i < 8; ++i) tags |= uint32_t((abridged >> i) & 1 ? 0 : 3) << (2 * i);
    return tags;
}

uint8_t abridged_tag(uint32_t full) {
    uint8_t tags = 0;
    for (int i = 0; i < 8; ++i)
        if (((full >> (2 * i)) & 3) != 3) tags |= uint8_t(1 << i);
    return tags;
}

}  // namespace

std::vector<uint8_t> gdb_registers(const VcpuFd& vcpu) {
    const kvm_regs r = vcpu.get_regs();
    const kvm_sregs s = vcpu.get_sregs();
    const kvm_fpu f = vcpu.get_fpu();
    std::vector<uint8_t> out;
    out.reserve(kGdbRegistersSize);
    Writer w(out);
    for (uint64_t v : {r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
                       r.r14, r.r15, r.rip})
        w.put(v);
    w.put(uint32_t(r.rflags));
    for (const kvm_segment& seg : {s.cs, s.ss, s.ds, s.es, s.fs, s.gs}) w.put(uint32_t(seg.selector));
    for (const auto& st : f.fpr) w.bytes(st, 10);
    for (uint32_t v : {uint32_t(f.fcw), uint32_t(f.fsw), full_tag_word(f.ftwx), uint32_t(f.last_ip >> 32),
                       uint32_t(f.last_ip), uint32_t(f.last_dp >> 32), uint32_t(f.last_dp), uint32_t(f.last_opcode)})
        w.put(v);
    for (const auto& xmm : f.xmm) w.bytes(xmm, 16);
    w.put(uint32_t(f.mxcsr));
    return out;
}

bool set_gdb_registers(VcpuFd& vcpu, std::span<const uint8_t> bytes) {
    if (bytes.size() != kGdbRegistersSize) return false;
    kvm_regs r = vcpu.get_regs();
    kvm_fpu f = vcpu.get_fpu();
    Reader in(bytes);
    for (__u64* v : {&r.rax, &r.rbx, &r.rcx, &r.rdx, &r.rsi, &r.rdi, &r.rbp, &r.rsp, &r.r8, &r.r9, &r.r10, &r.r11,
                     &r.r12, &r.r13, &r.r14, &r.r15, &r.rip})
        *v = in.get<__u64>();
    r.rflags = in.get<uint32_t>() | 0x2;             // bit 1 is always set
    for (int i = 0; i < 6; ++i) in.get<uint32_t>();  // segment selectors stay: the descriptors stand behind them
    for (auto& st : f.fpr) in.bytes(st, 10);
    f.fcw = uint16_t(in.get<uint32_t>());
    f.fsw = uint16_t(in.get<uint32_t>());
    f.ftwx = abridged_tag(in.get<uint32_t>());
    const uint64_t ip_high = in.get<uint32_t>(), ip_low = in.get<uint32_t>();
    const uint64_t dp_high = in.get<uint32_t>(), dp_low = in.get<uint32_t>();
    f.last_ip = ip_high << 32 | ip_low;
    f.last_dp = dp_high << 32 | dp_low;
    f.last_opcode = uint16_t(in.get<uint32_t>());
    for (auto& xmm : f.xmm) in.bytes(xmm, 16);
    f.mxcsr = in.get<uint32_t>();
    vcpu.set_regs(r);
    vcpu.set_fpu(f);
    return true;
}

const size_t kHardwareBreakpoints = 4;  // DR0-DR3

void set_guest_debug(VcpuFd& vcpu, const GuestDebug& want) {
    kvm_guest_debug debug{};
    if (want.enabled) debug.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
    if (want.enabled && want.single_step) debug.control |= KVM_GUESTDBG_SINGLESTEP;
    if (want.enabled && !want.hardware_breakpoints.empty()) {
        debug.control |= KVM_GUESTDBG_USE_HW_BP;
        uint64_t dr7 = 0;
        for (size_t i = 0; i < want.hardware_breakpoints.size() && i < kHardwareBreakpoints; ++i) {
            debug.arch.debugreg[i] = want.hardware_breakpoints[i];
            dr7 |= uint64_t{2} << (2 * i);  // Gi: enabled; R/Wi and LENi zero: on execution
        }
        debug.arch.debugreg[7] = dr7;
    }
    vcpu.set_guest_debug(debug);
}

std::span<const uint8_t> breakpoint_instruction() {
    static constexpr uint8_t int3[] = {0xCC};
    return int3;
}

void allow_debugging(ThreadPolicy& rules, const VcpuFd& vcpu) {
    for (unsigned long request : {KVM_SET_GUEST_DEBUG, KVM_SET_REGS, KVM_GET_FPU, KVM_SET_FPU})
        rules.allow_ioctl(vcpu.fd(), request, "gdb: registers, breakpoints and stepping");
}

std::vector<uint8_t> core_notes(const VcpuFd& vcpu, const GuestMemory& mem, uint64_t trap_frame, int pid) {
    const kvm_regs r = vcpu.get_regs();
    const kvm_sregs s = vcpu.get_sregs();
    const kvm_fpu f = vcpu.get_fpu();
    user_regs_struct u{};
    u.r15 = r.r15, u.r14 = r.r14, u.r13 = r.r13, u.r12 = r.r12, u.rbp = r.rbp, u.rbx = r.rbx, u.r11 = r.r11;
    u.r10 = r.r10, u.r9 = r.r9, u.r8 = r.r8, u.rax = r.rax, u.rcx = r.rcx, u.rdx = r.rdx, u.rsi = r.rsi;
    u.rdi = r.rdi, u.orig_rax = ~0ull, u.rip = r.rip, u.cs = s.cs.selector, u.eflags = r.rflags, u.rsp = r.rsp;
    u.ss = s.ss.selector, u.fs_base = s.fs.base, u.gs_base = s.gs.base, u.ds = s.ds.selector, u.es = s.es.selector;
    u.fs = s.fs.selector, u.gs = s.gs.selector;
    if (trap_frame != 0) {
        // A guest that aborted of an exception left its trap frame as HALT's cookie: CR2, error code,
        // RIP, CS, RFLAGS, RSP, SS (docs/guest-abi.md §5.9). gdb then shows where it happened.
        uint64_t frame[7];
        std::memcpy(frame, mem.translate(trap_frame, sizeof frame).data(), sizeof frame);
        u.rip = frame[2], u.cs = frame[3], u.eflags = frame[4], u.rsp = frame[5], u.ss = frame[6];
    }
    elf_prstatus status{};
    status.pr_pid = pid;
    status.pr_info.si_signo = 11;  // SIGSEGV: the guest died of something
    std::memcpy(&status.pr_reg, &u, sizeof u);
    user_fpregs_struct fp{};
    fp.cwd = f.fcw, fp.swd = f.fsw, fp.ftw = f.ftwx, fp.fop = f.last_opcode, fp.rip = f.last_ip, fp.rdp = f.last_dp;
    fp.mxcsr = f.mxcsr, fp.mxcr_mask = 0xffff;
    std::memcpy(fp.st_space, f.fpr, sizeof f.fpr);
    std::memcpy(fp.xmm_space, f.xmm, sizeof f.xmm);
    std::vector<uint8_t> notes;
    add_core_note(notes, NT_PRSTATUS, &status, sizeof status);
    add_core_note(notes, NT_PRFPREG, &fp, sizeof fp);
    return notes;
}

void allow_core_dump(ThreadPolicy& rules, const VcpuFd& vcpu) {
    rules.allow_ioctl(vcpu.fd(), KVM_GET_FPU, "a core file holds the FPU registers");
}

}  // namespace skiff::arch
