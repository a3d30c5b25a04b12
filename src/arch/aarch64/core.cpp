// aarch64 core files (the dumpcore module): NT_PRSTATUS with x0-x30, sp, pc and pstate, NT_PRFPREG
// with v0-v31, fpsr and fpcr, in the layouts Linux gives an aarch64 process, which gdb reads.
#include <elf.h>
#include <sys/procfs.h>
#include <sys/user.h>

#include <cstring>

#include "arch/aarch64/registers.h"
#include "arch/arch.h"
#include "arch/core_note.h"
#include "sandbox/sandbox.h"

namespace skiff::arch {
namespace {

using namespace aarch64_reg;

constexpr uint64_t kPstateSpElx = 1;  // PSTATE.SP: the EL's own stack pointer (SP_EL1) is in use

user_regs_struct general_registers(const VcpuFd& vcpu) {
    user_regs_struct r{};
    for (size_t i = 0; i < 31; ++i) r.regs[i] = vcpu.get_one_reg(x(i));
    r.pc = vcpu.get_one_reg(kPc);
    r.pstate = vcpu.get_one_reg(kPstate);
    r.sp = vcpu.get_one_reg(r.pstate & kPstateSpElx ? kSpEl1 : kSpEl0);
    return r;
}

user_fpsimd_struct fp_registers(const VcpuFd& vcpu) {
    user_fpsimd_struct f{};
    for (size_t i = 0; i < 32; ++i) vcpu.get_one_reg_bytes(v(i), &f.vregs[i]);
    vcpu.get_one_reg_bytes(kFpsr, &f.fpsr);
    vcpu.get_one_reg_bytes(kFpcr, &f.fpcr);
    return f;
}

}  // namespace

// Solo5's aarch64 guests halt with cookie 0 (no trap frame): the registers are the vCPU's at the end.
std::vector<uint8_t> core_notes(const VcpuFd& vcpu, const GuestMemory&, uint64_t, int pid) {
    const user_regs_struct regs = general_registers(vcpu);
    elf_prstatus status{};
    status.pr_pid = pid;
    status.pr_info.si_signo = 11;  // SIGSEGV: the guest died of something
    std::memcpy(&status.pr_reg, &regs, sizeof regs);
    const user_fpsimd_struct fp = fp_registers(vcpu);
    std::vector<uint8_t> notes;
    add_core_note(notes, NT_PRSTATUS, &status, sizeof status);
    add_core_note(notes, NT_PRFPREG, &fp, sizeof fp);
    return notes;
}

void allow_core_dump(ThreadPolicy&, const VcpuFd&) {
    // Only KVM_GET_ONE_REG, which every fault line needs too (allow_vcpu).
}

}  // namespace skiff::arch
