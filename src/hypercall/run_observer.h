// What a module may watch of a run (the gdb stub, core dumps), called on the vCPU thread by the
// loop (src/hypercall/run_loop.h).
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace skiff {

// How a run ended: the guest's HALT, or the error that ended it.
struct RunEnding {
    std::optional<int> status;  // the guest halted with this status (255: it aborted)
    uint64_t cookie = 0;        // HALT's cookie: a trap frame when it aborted of an exception, or 0
    std::exception_ptr error;   // else this ended it: a GuestFault, a HostError, Stopped
};

class RunObserver {
  public:
    virtual ~RunObserver() = default;
    // Before the guest's first instruction.
    virtual void started() {}
    // A debug exit (breakpoint, single step); false if it was not this observer's.
    virtual bool debug_exit() { return false; }
    // KVM_RUN was interrupted by a signal that ended nothing.
    virtual void interrupted() {}
    // The run ended, the vCPU still as it was. Returns what it did about it, for the ending's line
    // ("core dumped to ..."), or "".
    virtual std::string ended(const RunEnding& ending) {
        (void)ending;
        return "";
    }
};

}  // namespace skiff
