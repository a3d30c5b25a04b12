// Copies a unikernel's segments into guest memory and protects them (docs/guest-abi.md §1.2, §1.3).
#pragma once

#include "elf/elf_image.h"
#include "memory/guest_memory.h"

namespace skiff {

// Copies the segments of `plan` into `mem` (the rest up to memsz stays zero: the mapping is fresh)
// and applies their host protection: read-only for every segment that is not writable, none for a
// segment without permissions. KVM mirrors this into its own page tables, so it holds even against a
// guest that rewrites its page tables.
void load_image(GuestMemory& mem, const ElfImage& image, const LoadPlan& plan);

}  // namespace skiff
