// Runs the real skiff binary as a child process and watches what it touches, for the hostile-input
// suites in this directory.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.h"
#include "scratch_dir.h"

namespace skiff::hostile {

// The tender built next to the tests.
inline std::string skiff_binary() {
    return std::string(SKIFF_BINARY_DIR) + "/src/skiff";
}

using Outcome = tools::Completed;
using tools::ScratchDir;

struct RunOptions {
    int timeout_ms = 20000;
    int run_as_uid = -1;  // run as this uid/gid (root cannot be refused a file)
};

// Runs `argv` (argv[0] is the program) with stdin from /dev/null and captures stdout and stderr.
inline Outcome run_program(const std::vector<std::string>& argv, RunOptions opts = {}) {
    return tools::run_command(argv, std::chrono::milliseconds(opts.timeout_ms),
                              tools::ChildOptions{.separate_stderr = true, .uid = opts.run_as_uid, .env = {}});
}

inline Outcome run_skiff(const std::vector<std::string>& args, RunOptions opts = {}) {
    std::vector<std::string> argv{skiff_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, opts);
}

// Records every open, creation, change and removal of a file in one directory (inotify), so a
// test can prove that a refused run touched none of the operator's files.
class DirectoryWatch {
  public:
    explicit DirectoryWatch(const std::filesystem::path& dir) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        if (fd_ < 0 || inotify_add_watch(
                           fd_, dir.c_str(),
                           IN_OPEN | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0)
            throw std::runtime_error("inotify on " + dir.string() + " failed");
    }
    ~DirectoryWatch() { close(fd_); }
    DirectoryWatch(const DirectoryWatch&) = delete;
    DirectoryWatch& operator=(const DirectoryWatch&) = delete;

    // "OPEN disk.img", "CREATE x", ... since the last call.
    std::vector<std::string> events() {
        std::vector<std::string> seen;
        alignas(inotify_event) char buf[8192];
        for (;;) {
            const ssize_t n = read(fd_, buf, sizeof buf);
            if (n <= 0) break;
            for (ssize_t at = 0; at < n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
                const std::string name = ev->len ? ev->name : ".";
                if (ev->mask & IN_OPEN) seen.push_back("OPEN " + name);
                if (ev->mask & IN_CREATE) seen.push_back("CREATE " + name);
                if (ev->mask & IN_MODIFY) seen.push_back("MODIFY " + name);
                if (ev->mask & IN_ATTRIB) seen.push_back("ATTRIB " + name);
                if (ev->mask & (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) seen.push_back("MOVE/DELETE " + name);
                at += ssize_t(sizeof(inotify_event) + ev->len);
            }
        }
        return seen;
    }

  private:
    int fd_;
};

// The host's network interface names (/sys/class/net), to check that no tap is left behind.
inline std::set<std::string> network_interfaces() {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec))
        names.insert(entry.path().filename().string());
    return names;
}

// Size and modification time, to show a file was left alone.
struct FileStamp {
    off_t size = -1;
    timespec mtime{};
    bool operator==(const FileStamp& o) const {
        return size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
    }
};

inline FileStamp stamp(const std::filesystem::path& p) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) return {};
    return FileStamp{st.st_size, st.st_mtim};
}

inline void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) throw std::runtime_error(path.string() + ": write failed");
}

inline std::vector<uint8_t> read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace skiff::hostile
