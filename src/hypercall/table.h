// Which handler serves which hypercall number. Modules register here during set-up; the loop only
// dispatches, so a module that is not enabled has no hypercall at all.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "skiff/abi/hypercall.h"

namespace skiff {

// A handler gets the GPA of its argument structure; it reads and writes it through GuestMemory and
// throws GuestFault for what the ABI makes fatal.
using HypercallHandler = std::function<void(uint64_t arg_gpa)>;

class HypercallTable {
  public:
    void add(uint32_t nr, HypercallHandler handler);
    // The handler for `nr`, or nullptr if none is registered (HALT is the loop's own).
    const HypercallHandler* find(uint32_t nr) const;

  private:
    std::array<HypercallHandler, SKIFF_HC_MAX> handlers_{};
};

// The ABI name of hypercall `nr` ("PUTS", ...) for messages; "?" if unknown.
const char* hypercall_name(uint32_t nr);

}  // namespace skiff
