// Console and clock hypercalls: PUTS writes guest bytes to stdout, WALLTIME reads the host clock.
#pragma once

#include "hypercall/hypercall_table.h"
#include "memory/guest_memory.h"

namespace skiff {

// `out_fd` is where guest console output goes (stdout in the tender, a pipe in tests).
void register_console(HypercallTable& table, GuestMemory& mem, int out_fd);
void register_clock(HypercallTable& table, GuestMemory& mem);

}  // namespace skiff
