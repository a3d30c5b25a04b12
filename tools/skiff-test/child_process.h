// A child process in its own process group, its stdout+stderr captured through one pipe.
#pragma once

#include "common/unique_fd.h"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace skiff::test {

using Clock = std::chrono::steady_clock;

class Child {
  public:
    // Starts argv[0] (searched on PATH) with stdin from /dev/null. Throws std::runtime_error naming
    // the program when it cannot be started.
    static Child start(const std::vector<std::string>& argv);

    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    ~Child();  // kills and reaps the group if still running

    // True once the process has exited and its pipe is drained.
    bool done() const { return wait_status_.has_value() && !output_fd_.valid(); }
    // Reads what is available and reaps the process if it exited; never blocks.
    void service();
    void kill_group();  // SIGKILL to the whole process group
    // Waits (blocking) until done; after kill_group this returns promptly.
    void finish();

    // The fds to poll while not done (output pipe, pidfd).
    std::vector<int> poll_fds() const;

    const std::string& output() const { return output_; }
    std::optional<int> exit_code() const;  // normal exit
    std::optional<int> signal() const;     // death by signal
    // Lines complete so far that have not been taken yet (for streaming consoles).
    std::vector<std::string> take_lines();

  private:
    Child() = default;
    void read_available();
    void reap(bool block);

    pid_t pid_ = -1;
    UniqueFd output_fd_;
    UniqueFd pid_fd_;
    std::string output_;
    std::size_t taken_ = 0;
    std::optional<int> wait_status_;
};

// Blocks until one of the children has something to service or `until` passes.
void wait_for_any(const std::vector<Child*>& children, Clock::time_point until);

// Where `program` resolves on PATH (or itself if it has a slash); nullopt if not found/executable.
std::optional<std::string> find_program(const std::string& program);

}  // namespace skiff::test
