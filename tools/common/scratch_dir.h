// A private temporary directory, removed with its contents: the one scratch directory of skiff's
// tools and tests. Also removed when the process crashes (see cleanup.h) or is stopped by a signal
// its tool turns into an exception.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "cleanup.h"

namespace skiff::tools {

class ScratchDir {
  public:
    // $TMPDIR/skiff-<tag>.XXXXXX (default /tmp).
    explicit ScratchDir(const std::string& tag = "test");
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
    std::unique_ptr<EmergencyCleanup> on_crash_;
};

}  // namespace skiff::tools
