// The console hypercall: PUTS writes the guest's bytes to skiff's stdout (docs/guest-abi.md §5.4).
#pragma once

#include "hypercall/table.h"
#include "memory/guest_memory.h"

namespace skiff {

class ThreadPolicy;

// `out_fd` is where guest console output goes (stdout in the tender, a pipe in tests).
void register_console(HypercallTable& table, GuestMemory& mem, int out_fd);
void allow_console(ThreadPolicy& rules, int out_fd);

}  // namespace skiff
