// Opt-in start-up timing (SKIFF_TRACE_SETUP=1): one stderr line per phase with the time since the
// previous mark, for the benchmark driver (tests/bench/driver.cpp). Costs one getenv when off.
#pragma once

#include <time.h>

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
        std::fprintf(stderr, "skiff: setup-trace: %s %.1f us\n", phase, double(now - last_) / 1000.0);
        last_ = now;
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
};

}  // namespace skiff
