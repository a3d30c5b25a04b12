// The one SIGSYS handler of the process. A call that skiff's own filter refuses is a violation: one
// line and exit 254. A call that a filter skiff was started under refuses (an orchestrator's, with
// the TRAP action: urunc's) fails with ENOSYS instead, so skiff can say so and take a path that
// works (docs/orchestration.md).
#pragma once

#include <bitset>

namespace skiff {

// System call numbers a thread's own filter allows, whatever the arguments.
using SyscallSet = std::bitset<1024>;

// Installs the handler, then looks for a filter skiff was started under. First thing in main(),
// before any system call an outer filter may refuse.
void install_sigsys_handler();

// True if a seccomp filter is in force on the calling thread, including one that refuses to say
// (prctl refused with an errno, or trapped while the handler is installed).
bool seccomp_filter_in_force();

// True if skiff was started under a seccomp filter.
bool under_outer_filter();

// The calling thread runs under skiff's own filter from now on, allowing `allowed`.
void own_filter_loaded(const SyscallSet* allowed);

}  // namespace skiff
