// The console hypercall: PUTS writes the guest's bytes to skiff's stdout (docs/guest-abi.md §5.4).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hypercall/table.h"
#include "memory/guest_memory.h"

namespace skiff {

class ThreadPolicy;

// `out_fd` is where guest console output goes (stdout in the tender, a pipe in tests). When it is a
// `terminal`, control characters other than newline and tab (and a carriage return before a
// newline) are shown in caret notation (ESC as ^[), so a guest cannot move the cursor, retitle the
// window, make the terminal answer into skiff's input or forge a "skiff:" line; elsewhere the bytes
// pass unchanged.
void register_console(HypercallTable& table, GuestMemory& mem, int out_fd, bool terminal = false);

// The bytes a terminal gets for `bytes` (see register_console).
std::string neutralise_controls(std::span<const uint8_t> bytes);
void allow_console(ThreadPolicy& rules, int out_fd);

}  // namespace skiff
