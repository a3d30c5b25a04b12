// A child process in its own process group, its output captured through pipes: the one process
// runner of skiff's tools and tests (skiff-test, the hostile suites, the benchmark driver).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace skiff::tools {

using Clock = std::chrono::steady_clock;

struct ChildOptions {
    bool separate_stderr = false;  // capture stderr apart from stdout (else both in output())
    int uid = -1;                  // run as this uid and gid (needs root)
    std::vector<std::string> env;  // "NAME=VALUE" added to (or replacing in) the environment
};

class Child {
  public:
    // Starts argv[0] (searched on PATH) with stdin from /dev/null, in a new process group. Throws
    // std::runtime_error naming the program when it cannot be started.
    static Child start(const std::vector<std::string>& argv, const ChildOptions& options = {});

    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    ~Child();  // kills and reaps the group if still running

    pid_t pid() const { return pid_; }
    // True once the process has exited and its pipes are drained.
    bool done() const { return wait_status_.has_value() && !out_.fd.valid() && !err_.fd.valid(); }
    // Reads what is available and reaps the process if it exited; never blocks.
    void service();
    void kill_group();              // SIGKILL to the whole process group
    void signal_group(int signal);  // any signal to the whole process group
    // Waits (blocking) until done; after kill_group this returns promptly.
    void finish();

    // The fds to poll while not done (output pipes, pidfd).
    std::vector<int> poll_fds() const;
    // True if polling poll_fds() sees the exit (a pidfd), or it was already seen.
    bool exit_is_watched() const { return pid_fd_.valid() || wait_status_.has_value(); }

    const std::string& output() const { return out_.text; }
    const std::string& error_output() const { return err_.text; }  // with separate_stderr
    std::optional<int> exit_code() const;                          // normal exit
    std::optional<int> signal() const;                             // death by signal
    // Exit status as a shell shows it: the code, or 128 + the signal.
    int status() const;
    // The child's peak resident set in KiB, once it was reaped.
    std::optional<long> max_rss_kib() const { return max_rss_kib_; }
    // Lines of output() complete so far that have not been taken yet (for streaming consoles).
    std::vector<std::string> take_lines();

  private:
    struct Stream {
        UniqueFd fd;
        std::string text;
    };
    Child() = default;
    void read_available(Stream& stream);
    void reap(bool block);

    pid_t pid_ = -1;
    Stream out_, err_;
    UniqueFd pid_fd_;
    std::size_t taken_ = 0;
    std::optional<int> wait_status_;
    std::optional<long> max_rss_kib_;
};

// Blocks until one of the children has something to service or `until` passes.
void wait_for_any(const std::vector<Child*>& children, Clock::time_point until);

// The outcome of a command run to its end.
struct Completed {
    int status = -1;  // exit code, or 128 + signal
    bool timed_out = false;
    std::string out;
    std::string err;  // empty unless separate_stderr
    long max_rss_kib = 0;

    // The lines of stderr (a trailing newline does not start a new line).
    std::vector<std::string> err_lines() const;
};

// Runs argv until it exits or `timeout` passes (then its group is killed).
Completed run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      const ChildOptions& options = {});

// Where `program` resolves on PATH (or itself if it has a slash); nullopt if not found/executable.
std::optional<std::string> find_program(const std::string& program);

}  // namespace skiff::tools
