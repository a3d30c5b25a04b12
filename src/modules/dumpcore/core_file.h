// The layout of an ELF core file of a guest: the ELF header, one PT_NOTE segment with the vCPU's
// registers (NT_PRSTATUS, NT_PRFPREG: what gdb reads), and one PT_LOAD segment per run of guest
// memory the guest touched, at its guest address (guests map memory 1:1). Written by hand with
// <elf.h>'s structures rather than libelf's writer: the core is written under the sandbox, with
// pwrite on one fd, streaming straight from guest memory.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "memory/guest_memory.h"

namespace skiff {

struct CoreLayout {
    std::vector<uint8_t> head;      // ELF header, program headers, notes: written at offset 0
    std::vector<uint64_t> offsets;  // where each run's bytes go in the file
};

CoreLayout core_layout(uint16_t machine, std::span<const uint8_t> notes, std::span<const GuestMemory::Run> runs);

// Writes the core to `fd` (from offset 0); false with errno set if a write fails.
bool write_core(int fd, const CoreLayout& layout, const GuestMemory& memory, std::span<const GuestMemory::Run> runs);

}  // namespace skiff
