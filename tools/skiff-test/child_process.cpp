#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace skiff::test {
namespace {

// Guests can be chatty; beyond this the oldest output is dropped.
constexpr std::size_t output_cap = 16u << 20;

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    return int(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    return -1;
#endif
}

}  // namespace

Child Child::start(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    UniqueFd read_end(fds[0]), write_end(fds[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);  // own group: a timeout kills everything it started
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));

    Child child;
    child.pid_ = pid;
    child.output_fd_ = std::move(read_end);
    child.pid_fd_ = UniqueFd(open_pidfd(pid));
    ::fcntl(child.output_fd_.get(), F_SETFL, O_NONBLOCK);
    return child;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      output_fd_(std::move(other.output_fd_)),
      pid_fd_(std::move(other.pid_fd_)),
      output_(std::move(other.output_)),
      taken_(other.taken_),
      wait_status_(other.wait_status_) {}

Child::~Child() {
    if (pid_ > 0 && !wait_status_) {
        kill_group();
        reap(true);
    }
}

void Child::read_available() {
    char buffer[65536];
    while (output_fd_.valid()) {
        ssize_t n = ::read(output_fd_.get(), buffer, sizeof buffer);
        if (n > 0) {
            output_.append(buffer, std::size_t(n));
            if (output_.size() > output_cap) {
                std::size_t drop = output_.size() - output_cap;
                output_.erase(0, drop);
                taken_ = taken_ > drop ? taken_ - drop : 0;
            }
        } else if (n == 0) {
            output_fd_.reset();
        } else if (errno != EINTR) {
            if (errno != EAGAIN) output_fd_.reset();
            return;
        }
    }
}

void Child::reap(bool block) {
    if (pid_ <= 0 || wait_status_) return;
    int status = 0;
    pid_t got;
    do got = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    while (got < 0 && errno == EINTR);
    if (got == pid_) {
        wait_status_ = status;
        pid_fd_.reset();
        // Anything it left behind in its group (a host command's background jobs) goes too, so
        // that the pipe reaches end of file.
        ::kill(-pid_, SIGKILL);
    }
}

void Child::service() {
    read_available();
    reap(false);
    if (wait_status_) read_available();
}

void Child::kill_group() {
    if (pid_ > 0 && !wait_status_) ::kill(-pid_, SIGKILL);
}

void Child::finish() {
    reap(true);
    while (output_fd_.valid()) {
        pollfd entry{output_fd_.get(), POLLIN, 0};
        ::poll(&entry, 1, 1000);
        read_available();
    }
}

std::vector<int> Child::poll_fds() const {
    std::vector<int> fds;
    if (output_fd_.valid()) fds.push_back(output_fd_.get());
    if (pid_fd_.valid()) fds.push_back(pid_fd_.get());
    return fds;
}

std::optional<int> Child::exit_code() const {
    if (wait_status_ && WIFEXITED(*wait_status_)) return WEXITSTATUS(*wait_status_);
    return std::nullopt;
}

std::optional<int> Child::signal() const {
    if (wait_status_ && WIFSIGNALED(*wait_status_)) return WTERMSIG(*wait_status_);
    return std::nullopt;
}

std::vector<std::string> Child::take_lines() {
    std::vector<std::string> lines;
    std::size_t newline;
    while ((newline = output_.find('\n', taken_)) != std::string::npos) {
        lines.push_back(output_.substr(taken_, newline - taken_));
        taken_ = newline + 1;
    }
    if (done() && taken_ < output_.size()) {
        lines.push_back(output_.substr(taken_));
        taken_ = output_.size();
    }
    return lines;
}

void wait_for_any(const std::vector<Child*>& children, Clock::time_point until) {
    std::vector<pollfd> entries;
    bool without_pidfd = false;
    for (const Child* child : children) {
        if (child->done()) continue;
        auto fds = child->poll_fds();
        without_pidfd = without_pidfd || fds.size() < 2;
        for (int fd : fds) entries.push_back(pollfd{fd, POLLIN, 0});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    // Without a pidfd an exit is only seen by polling waitpid: wake up often.
    long timeout = std::clamp<long>(long(left), 0, without_pidfd ? 20 : 60000);
    ::poll(entries.data(), entries.size(), int(timeout));
    for (Child* child : children) child->service();
}

std::optional<std::string> find_program(const std::string& program) {
    namespace fs = std::filesystem;
    auto runnable = [](const fs::path& path) { return ::access(path.c_str(), X_OK) == 0 && !fs::is_directory(path); };
    if (program.find('/') != std::string::npos) {
        if (runnable(program)) return program;
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        fs::path candidate = fs::path(dirs.substr(start, end - start)) / program;
        if (end > start && runnable(candidate)) return candidate.string();
        start = end + 1;
    }
    return std::nullopt;
}

}  // namespace skiff::test
