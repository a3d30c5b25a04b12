#include "hypercall/run_loop.h"

#include <cstdio>
#include <span>

#include "arch/arch.h"
#include "common/error.h"
#include "vcpu/run_control.h"

namespace skiff {

GuestFault guest_fault(Vcpu& vcpu, const std::string& what) {
    return GuestFault("guest fault: " + what + ": " + vcpu.describe_registers());
}

namespace {

// The HALT hypercall: the cookie, if any, must be a valid 512-byte area (docs/guest-abi.md §5.9).
RunEnding halt_ending(const GuestMemory& mem, uint64_t arg_gpa) {
    const auto halt = mem.read<skiff_hc_halt>(arg_gpa);
    const int status = halt.exit_status & 0xFF;
    if (halt.cookie != 0) {
        auto cookie = mem.translate(halt.cookie, SKIFF_HALT_COOKIE_SIZE);
        // A Solo5-style x86_64 guest that dies of a CPU exception halts with status 255 and its trap
        // frame as the cookie (docs/guest-abi.md §5.9).
        if (const std::string frame = status == 255 ? arch::describe_trap_frame(cookie) : ""; !frame.empty())
            std::fprintf(stderr, "skiff: guest aborted with a trap frame: %s\n", frame.c_str());
    }
    return RunEnding{status, halt.cookie, nullptr};
}

// Ends the run if a stop or an I/O thread's error is pending; a guest fault found by another thread
// (a bad ring entry) is reported with the registers like any other.
void check(const RunControl* control, Vcpu& vcpu) {
    if (!control) return;
    try {
        control->check();
    } catch (const GuestFault& fault) {
        throw guest_fault(vcpu, fault.what());
    }
}

}  // namespace

namespace {

int run_until_halt(Vcpu& vcpu, const GuestMemory& mem, const HypercallTable& table, const RunControl* control,
                   std::span<RunObserver* const> observers, RunEnding& ending) {
    for (RunObserver* o : observers) o->started();
    for (;;) {
        const VcpuExit exit = vcpu.run();
        check(control, vcpu);
        switch (exit.kind) {
            case VcpuExit::Kind::Hypercall: {
                const HypercallHandler* handler = exit.nr == SKIFF_HC_HALT ? nullptr : table.find(exit.nr);
                if (exit.nr != SKIFF_HC_HALT && !handler)
                    throw guest_fault(
                        vcpu, "invalid hypercall " + std::to_string(exit.nr) + " (not served by any enabled module)");
                try {
                    if (!handler) {
                        ending = halt_ending(mem, exit.arg);
                        return *ending.status;
                    }
                    (*handler)(exit.arg);
                } catch (const GuestFault& fault) {
                    throw guest_fault(vcpu, std::string("hypercall ") + hypercall_name(exit.nr) + ": " + fault.what());
                }
                check(control, vcpu);
                break;
            }
            case VcpuExit::Kind::Interrupted:  // not a stop: the control had nothing pending
                for (RunObserver* o : observers) o->interrupted();
                break;
            case VcpuExit::Kind::BadAccess:
                // Some KVMs (kvm-pvm) report a write to memory the host maps read-only as MMIO.
                if (exit.mmio && exit.detail < mem.mapped_size())
                    throw guest_fault(
                        vcpu, "host/guest translation fault (write to protected memory at " + hex(exit.detail) + ")");
                throw guest_fault(vcpu, exit.what);
            case VcpuExit::Kind::MemoryFault:
                throw guest_fault(vcpu, "host/guest translation fault (write to protected memory)");
            case VcpuExit::Kind::Shutdown:
                throw guest_fault(vcpu,
                                  exit.what.empty() ? "triple fault (unhandled exception in the guest)" : exit.what);
            case VcpuExit::Kind::Halt: throw guest_fault(vcpu, "guest executed HLT with interrupts off");
            case VcpuExit::Kind::Debug: {
                bool handled = false;
                for (RunObserver* o : observers) handled = o->debug_exit() || handled;
                if (!handled) throw guest_fault(vcpu, "debug exit without a debugger");
                break;
            }
            case VcpuExit::Kind::FailEntry: throw HostError("KVM: entry failure: hardware reason " + hex(exit.detail));
            case VcpuExit::Kind::InternalError:
                // The host failed to run the guest, not the guest the ABI: 254, with what it likely means.
                throw HostError("KVM: internal error, suberror " + std::to_string(exit.detail) +
                                (exit.what.empty() ? "" : ": " + exit.what) + ": " + vcpu.describe_registers());
            case VcpuExit::Kind::Other: throw guest_fault(vcpu, "unhandled exit reason " + std::to_string(exit.detail));
        }
    }
}

}  // namespace

int run_guest(Vcpu& vcpu, const GuestMemory& mem, const HypercallTable& table, const RunControl* control,
              std::span<RunObserver* const> observers) {
    RunEnding ending;
    try {
        const int status = run_until_halt(vcpu, mem, table, control, observers, ending);
        std::string done;
        for (RunObserver* o : observers)
            if (std::string what = o->ended(ending); !what.empty()) done += "; " + what;
        if (!done.empty()) note("the guest halted with status " + std::to_string(status) + done);
        return status;
    } catch (const GuestFault& fault) {
        // The observers' doing (a core file) joins the fault's own line.
        std::string done;
        ending.error = std::current_exception();
        for (RunObserver* o : observers)
            if (std::string what = o->ended(ending); !what.empty()) done += "; " + what;
        if (done.empty()) throw;
        throw GuestFault(fault.what() + done);
    } catch (...) {
        ending.error = std::current_exception();
        for (RunObserver* o : observers) o->ended(ending);
        throw;
    }
}

}  // namespace skiff
