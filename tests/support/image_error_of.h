// The image-reader tests' way to read a refusal: the message of the ImageError a call throws.
#pragma once

#include <string>

#include "common/error.h"

namespace skiff::test {

// The message of the ImageError that `f` throws ("" if it throws none).
template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const ImageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace skiff::test
