#include "hypercall/table.h"

#include <stdexcept>

namespace skiff {

void HypercallTable::add(uint32_t nr, HypercallHandler handler) {
    if (nr == 0 || nr >= SKIFF_HC_MAX || nr == SKIFF_HC_HALT || handlers_[nr])
        throw std::logic_error("hypercall " + std::to_string(nr) + " registered twice or reserved");
    handlers_[nr] = std::move(handler);
}

const HypercallHandler* HypercallTable::find(uint32_t nr) const {
    if (nr >= SKIFF_HC_MAX || !handlers_[nr]) return nullptr;
    return &handlers_[nr];
}

const char* hypercall_name(uint32_t nr) {
    static constexpr const char* names[SKIFF_HC_MAX] = {"?",           "WALLTIME",    "PUTS",         "POLL",
                                                        "BLOCK_WRITE", "BLOCK_READ",  "NET_WRITE",    "NET_READ",
                                                        "HALT",        "BLOCK_FLUSH", "BLOCK_DISCARD"};
    return nr < SKIFF_HC_MAX ? names[nr] : "?";
}

}  // namespace skiff
