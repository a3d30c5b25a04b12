// The hypercall loop: run the vCPU, dispatch the decoded exit, repeat until the guest halts.
#pragma once

#include <span>

#include "common/error.h"
#include "hypercall/run_observer.h"
#include "hypercall/table.h"
#include "memory/guest_memory.h"
#include "vcpu/vcpu.h"

namespace skiff {

class RunControl;

// Runs the guest until HALT and returns its exit status (low 8 bits). Anything the ABI makes fatal
// throws GuestFault with the hypercall, the reason and the guest's registers; KVM failures throw
// HostError. With `control`, a stop signal or an I/O thread's error ends the run with its error.
// `observers` see the run start, its debug exits and interruptions, and how it ended.
int run_guest(Vcpu& vcpu, const GuestMemory& mem, const HypercallTable& table, const RunControl* control = nullptr,
              std::span<RunObserver* const> observers = {});

// "guest fault: WHAT: rip=..." — how every guest fault is reported, wherever it was found.
GuestFault guest_fault(Vcpu& vcpu, const std::string& what);

}  // namespace skiff
