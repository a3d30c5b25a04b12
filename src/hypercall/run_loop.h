// The hypercall loop: run the vCPU, decode the exit, dispatch, repeat until the guest halts.
#pragma once

#include <functional>

#include "hypercall/hypercall_table.h"
#include "kvm/vcpu.h"
#include "memory/guest_memory.h"

namespace skiff {

// Runs the guest until HALT and returns its exit status (low 8 bits). Anything the ABI makes fatal
// throws GuestFault with the hypercall, the reason and the guest's registers; KVM failures throw HostError.
// `interrupted` runs when another thread stopped the vCPU: it rethrows that thread's error, if any.
int run_guest(Vcpu& vcpu, const GuestMemory& mem, const HypercallTable& table,
              const std::function<void()>& interrupted = {});

}  // namespace skiff
