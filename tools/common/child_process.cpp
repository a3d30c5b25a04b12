#include "child_process.h"

#include "cleanup.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
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

namespace skiff::tools {
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

// This process's environment with `extra` "NAME=VALUE" entries added or replacing theirs.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('=') + 1);
        bool replaced = false;
        for (const std::string& x : extra) replaced = replaced || x.starts_with(name);
        if (!replaced) env.push_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// In the child between fork and exec: only async-signal-safe calls, then exec or _exit(127).
[[noreturn]] void become(const std::vector<char*>& args, char* const* env, int out_fd, int err_fd,
                         const ChildOptions& options) {
    setpgid(0, 0);  // own group: a timeout kills everything it started
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    const int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
        _exit(127);
    if (options.uid >= 0 &&
        (setgroups(0, nullptr) != 0 || setgid(gid_t(options.uid)) != 0 || setuid(uid_t(options.uid)) != 0))
        _exit(126);
    execvpe(args[0], args.data(), env);
    _exit(127);
}

}  // namespace

Child Child::start(const std::vector<std::string>& argv, const ChildOptions& options) {
    int out[2], err[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    UniqueFd out_read(out[0]), out_write(out[1]);
    if (options.separate_stderr && ::pipe2(err, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    UniqueFd err_read(err[0]), err_write(err[1]);
    if (!find_program(argv.at(0))) throw std::runtime_error("cannot start " + argv[0] + ": not found");

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const std::vector<std::string> env_text = environment_with(options.env);
    std::vector<char*> env;
    env.reserve(env_text.size() + 1);
    for (const auto& entry : env_text) env.push_back(const_cast<char*>(entry.c_str()));
    env.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot start " + argv[0] + ": fork: " + std::strerror(errno));
    if (pid == 0)
        become(args, env.data(), out_write.get(), options.separate_stderr ? err_write.get() : out_write.get(), options);
    ::setpgid(pid, pid);  // also here: no race with a kill of the group right after start

    Child child;
    child.pid_ = pid;
    child.out_.fd = std::move(out_read);
    child.err_.fd = std::move(err_read);
    child.pid_fd_ = UniqueFd(open_pidfd(pid));
    for (const Stream* s : {&child.out_, &child.err_})
        if (s->fd.valid()) ::fcntl(s->fd.get(), F_SETFL, O_NONBLOCK);
    return child;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)),
      pid_fd_(std::move(other.pid_fd_)),
      taken_(other.taken_),
      wait_status_(other.wait_status_),
      max_rss_kib_(other.max_rss_kib_) {}

Child::~Child() {
    if (pid_ > 0 && !wait_status_) {
        kill_group();
        reap(true);
    }
}

void Child::read_available(Stream& stream) {
    char buffer[65536];
    while (stream.fd.valid()) {
        const ssize_t n = ::read(stream.fd.get(), buffer, sizeof buffer);
        if (n > 0) {
            stream.text.append(buffer, std::size_t(n));
            if (stream.text.size() > output_cap) {
                const std::size_t drop = stream.text.size() - output_cap;
                stream.text.erase(0, drop);
                if (&stream == &out_) taken_ = taken_ > drop ? taken_ - drop : 0;
            }
        } else if (n == 0) {
            stream.fd.reset();
        } else if (errno != EINTR) {
            if (errno != EAGAIN) stream.fd.reset();
            return;
        }
    }
}

void Child::reap(bool block) {
    if (pid_ <= 0 || wait_status_) return;
    int status = 0;
    rusage usage{};
    pid_t got;
    do got = ::wait4(pid_, &status, block ? 0 : WNOHANG, &usage);
    while (got < 0 && errno == EINTR);
    if (got == pid_) {
        wait_status_ = status;
        max_rss_kib_ = usage.ru_maxrss;
        pid_fd_.reset();
        // Anything it left behind in its group (a host command's background jobs) goes too, so
        // that the pipes reach end of file.
        ::kill(-pid_, SIGKILL);
    }
}

void Child::service() {
    read_available(out_);
    read_available(err_);
    reap(false);
    if (wait_status_) {
        read_available(out_);
        read_available(err_);
    }
}

void Child::kill_group() {
    signal_group(SIGKILL);
}

void Child::signal_group(int signal) {
    if (pid_ > 0 && !wait_status_) ::kill(-pid_, signal);
}

void Child::finish() {
    reap(true);
    while (out_.fd.valid() || err_.fd.valid()) {
        std::vector<pollfd> entries;
        for (const Stream* s : {&out_, &err_})
            if (s->fd.valid()) entries.push_back(pollfd{s->fd.get(), POLLIN, 0});
        ::poll(entries.data(), entries.size(), 1000);
        read_available(out_);
        read_available(err_);
    }
}

std::vector<int> Child::poll_fds() const {
    std::vector<int> fds;
    for (const UniqueFd* fd : {&out_.fd, &err_.fd, &pid_fd_})
        if (fd->valid()) fds.push_back(fd->get());
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

int Child::status() const {
    if (auto code = exit_code()) return *code;
    if (auto sig = signal()) return 128 + *sig;
    return -1;
}

std::vector<std::string> Child::take_lines() {
    std::vector<std::string> lines;
    std::size_t newline;
    while ((newline = out_.text.find('\n', taken_)) != std::string::npos) {
        lines.push_back(out_.text.substr(taken_, newline - taken_));
        taken_ = newline + 1;
    }
    if (done() && taken_ < out_.text.size()) {
        lines.push_back(out_.text.substr(taken_));
        taken_ = out_.text.size();
    }
    return lines;
}

void wait_for_any(const std::vector<Child*>& children, Clock::time_point until) {
    std::vector<pollfd> entries;
    bool without_pidfd = false;
    for (const Child* child : children) {
        if (child->done()) continue;
        without_pidfd = without_pidfd || !child->exit_is_watched();
        for (int fd : child->poll_fds()) entries.push_back(pollfd{fd, POLLIN, 0});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    // An exit is seen through the pidfd; without one, only by polling waitpid: wake up often.
    long timeout = std::clamp<long>(long(left), 0, without_pidfd ? 20 : 200);
    ::poll(entries.data(), entries.size(), int(timeout));
    for (Child* child : children) child->service();
    throw_if_stopped();  // the callers' destructors kill the children and remove what they made
}

std::vector<std::string> Completed::err_lines() const {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < err.size()) {
        std::size_t nl = err.find('\n', start);
        if (nl == std::string::npos) nl = err.size();
        lines.push_back(err.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

Completed run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      const ChildOptions& options) {
    Child child = Child::start(argv, options);
    const auto deadline = Clock::now() + timeout;
    Completed result;
    while (!child.done()) {
        if (Clock::now() >= deadline) {
            result.timed_out = true;
            child.kill_group();
            break;
        }
        wait_for_any({&child}, deadline);
    }
    child.finish();
    result.status = child.status();
    result.out = child.output();
    result.err = child.error_output();
    result.max_rss_kib = child.max_rss_kib().value_or(0);
    return result;
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

}  // namespace skiff::tools
