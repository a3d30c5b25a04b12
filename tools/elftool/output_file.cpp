#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <utility>
#include <vector>

#include "common/error.h"

namespace skiff::elftool {
namespace {

void write_all(int fd, const std::string& contents, const std::string& name) {
    size_t done = 0;
    while (done < contents.size()) {
        ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw UsageError(errno_message(name, errno));
        done += static_cast<size_t>(n);
    }
}

// The temporary file is removed unless it was renamed into place.
class TempFile {
  public:
    explicit TempFile(const std::string& target) {
        std::string pattern = target + ".tmpXXXXXX";
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        fd_ = ::mkstemp(buf.data());
        if (fd_ < 0) throw UsageError(errno_message(target, errno));
        path_ = buf.data();
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }

    int fd() const { return fd_; }
    void commit(const std::string& target) {
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) throw UsageError(errno_message(target, errno));
        if (::rename(path_.c_str(), target.c_str()) != 0) throw UsageError(errno_message(target, errno));
        path_.clear();
    }

  private:
    int fd_ = -1;
    std::string path_;
};

// mkstemp creates 0600; a generated source should get the permissions of any new file.
void apply_default_mode(int fd, const std::string& target) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(fd, 0666 & ~mask) != 0) throw UsageError(errno_message(target, errno));
}

}  // namespace

void write_output(const std::string& path, const std::string& contents) {
    if (path == "-") {
        std::cout << contents << std::flush;
        if (!std::cout) throw UsageError("<stdout>: write error");
        return;
    }
    TempFile tmp(path);
    apply_default_mode(tmp.fd(), path);
    write_all(tmp.fd(), contents, path);
    tmp.commit(path);
}

}  // namespace skiff::elftool
