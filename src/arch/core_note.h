// One note of an ELF core file ("CORE", the type, the descriptor, each padded to 4 bytes), as each
// architecture's core_notes() (arch/arch.h) appends them for the dumpcore module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace skiff::arch {

void add_core_note(std::vector<uint8_t>& out, uint32_t type, const void* desc, size_t size);

}  // namespace skiff::arch
