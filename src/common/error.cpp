#include "common/error.h"

#include <cstdio>
#include <cstring>

namespace skiff {

std::string in_context(std::string_view what, std::string_view cause) {
    std::string line(what);
    line += ": ";
    line += cause;
    return line;
}

std::string errno_message(std::string_view what, int err) {
    return in_context(what, std::strerror(err));
}

void note(std::string_view line) {
    std::string text = "skiff: note: ";
    text += line;
    text += '\n';
    std::fputs(text.c_str(), stderr);
}

std::string hex(uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
    return buf;
}

}  // namespace skiff
