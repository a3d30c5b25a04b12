#include "arch/core_note.h"

#include <cstring>

namespace skiff::arch {
namespace {

void append(std::vector<uint8_t>& out, const void* data, size_t size) {
    const size_t at = out.size();
    out.resize(at + size);
    if (size != 0) std::memcpy(out.data() + at, data, size);
}

void pad_to_4(std::vector<uint8_t>& out) {
    while (out.size() % 4 != 0) out.push_back(0);
}

}  // namespace

void add_core_note(std::vector<uint8_t>& out, uint32_t type, const void* desc, size_t size) {
    const char name[] = "CORE";
    const uint32_t header[3] = {uint32_t(sizeof name), uint32_t(size), type};
    append(out, header, sizeof header);
    append(out, name, sizeof name);
    pad_to_4(out);
    append(out, desc, size);
    pad_to_4(out);
}

}  // namespace skiff::arch
