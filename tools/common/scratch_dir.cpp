#include "scratch_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace skiff::tools {

ScratchDir::ScratchDir(const std::string& tag) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/skiff-" + tag + ".XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error(pattern + ": cannot create a temporary directory: " + std::strerror(errno));
    path_ = pattern;
    on_crash_ = std::make_unique<EmergencyCleanup>([path = path_] {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    });
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace skiff::tools
