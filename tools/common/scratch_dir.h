// A private temporary directory, removed with its contents: the one scratch directory of skiff's
// tools and tests.
#pragma once

#include <filesystem>
#include <string>

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
};

}  // namespace skiff::tools
