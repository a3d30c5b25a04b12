// Opt-in start-up timing (SKIFF_TRACE_SETUP=1): one stderr line per phase with the time since the
// previous mark, for the benchmark driver (tests/bench/driver.cpp). Costs one getenv when off. The
// lines are kept and written at once by flush(): a write per phase would be timed as start-up.
#pragma once

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace skiff {

class SetupTrace {
  public:
    static SetupTrace& instance() {
        static SetupTrace trace;
        return trace;
    }
    // Ends the phase PHASE, which began at the previous mark (or at the first call).
    void mark(const char* phase) {
        if (!enabled_) return;
        const long long now = now_ns();
        const size_t room = sizeof text_ - used_;
        const int n =
            std::snprintf(text_ + used_, room, "skiff: setup-trace: %s %.1f us\n", phase, double(now - last_) / 1000.0);
        if (n > 0) used_ += size_t(n) < room ? size_t(n) : room - 1;
        last_ = now;
    }
    // Writes the lines kept so far to stderr.
    void flush() {
        for (size_t done = 0; done < used_;) {
            const ssize_t n = ::write(STDERR_FILENO, text_ + done, used_ - done);
            if (n <= 0) break;
            done += size_t(n);
        }
        used_ = 0;
    }

  private:
    SetupTrace() : enabled_(std::getenv("SKIFF_TRACE_SETUP") != nullptr), last_(enabled_ ? now_ns() : 0) {}
    static long long now_ns() {
        timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1000000000LL + t.tv_nsec;
    }
    bool enabled_;
    long long last_;
    char text_[1024] = {};
    size_t used_ = 0;
};

}  // namespace skiff
