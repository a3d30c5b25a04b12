// Runs the real skiff binary as a child process and watches what it touches, for the hostile-input
// suites (tests/unit/hostile_*_test.cpp). Header-only: the suites are auto-discovered unit tests.
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

namespace skiff::hostile {

// The tender built next to the tests.
inline std::string skiff_binary() {
    return std::string(SKIFF_BINARY_DIR) + "/src/skiff";
}

struct Outcome {
    int status = -1;  // exit status, or 128 + signal
    std::string out;
    std::string err;
    bool timed_out = false;

    // The lines of stderr (a trailing newline does not start a new line).
    std::vector<std::string> err_lines() const {
        std::vector<std::string> lines;
        size_t start = 0;
        while (start < err.size()) {
            size_t nl = err.find('\n', start);
            if (nl == std::string::npos) nl = err.size();
            lines.push_back(err.substr(start, nl - start));
            start = nl + 1;
        }
        return lines;
    }
};

struct RunOptions {
    int timeout_ms = 20000;
    int run_as_uid = -1;  // drop to this uid/gid in the child before exec (root cannot be refused a file)
};

// Runs `argv` (argv[0] is the program) with stdin from /dev/null and captures stdout and stderr.
inline Outcome run_program(const std::vector<std::string>& argv, RunOptions opts = {}) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (opts.run_as_uid >= 0 && (setgid(gid_t(opts.run_as_uid)) != 0 || setuid(uid_t(opts.run_as_uid)) != 0))
            _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    Outcome o;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&o.out, &o.err};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.timeout_ms);
    int open_fds = 2;
    while (open_fds > 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            o.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, int(left.count())) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, size_t(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (const pollfd& p : fds)
        if (p.fd >= 0) close(p.fd);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    o.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return o;
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

// A scratch directory removed with everything in it.
class ScratchDir {
  public:
    explicit ScratchDir(const std::string& tag)
        : path_(std::filesystem::temp_directory_path() / ("skiff-" + tag + "-" + std::to_string(getpid()))) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace skiff::hostile
