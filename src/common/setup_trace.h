// Opt-in start-up timing (SKIFF_TRACE_SETUP=1): one stderr line per phase with the time since the
// previous mark, for the benchmark driver (tests/bench/driver.cpp). Costs one getenv when off. A
// mark only reads the clock; flush() formats and writes every line at once, so that tracing adds
// next to nothing to the time it measures.
#pragma once

#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace skiff {

class SetupTrace {
  public:
    static SetupTrace& instance() {
        static SetupTrace trace;
        return trace;
    }
    // Ends the phase PHASE (a string literal), which began at the previous mark or the first call.
    void mark(const char* phase) {
        if (!enabled_ || marks_ == kMaxMarks) return;
        phases_[marks_] = phase;
        times_[++marks_] = now_ns();
    }
    // Writes one line per phase marked so far to stderr: "skiff: setup-trace: PHASE 12.3 us".
    void flush() {
        char text[kMaxMarks * kLineRoom];
        char* out = text;
        for (size_t i = 0; i < marks_; ++i) {
            const long long tenths = (times_[i + 1] - times_[i] + 50) / 100;  // of a microsecond
            out = append(out, "skiff: setup-trace: ");
            out = append(out, phases_[i]);
            *out++ = ' ';
            out = std::to_chars(out, out + 24, tenths / 10).ptr;
            *out++ = '.';
            *out++ = char('0' + tenths % 10);
            out = append(out, " us\n");
        }
        for (const char* p = text; p < out;) {
            const ssize_t n = ::write(STDERR_FILENO, p, size_t(out - p));
            if (n <= 0) break;
            p += n;
        }
        times_[0] = times_[marks_];
        marks_ = 0;
    }

  private:
    static constexpr size_t kMaxMarks = 16;
    static constexpr size_t kLineRoom = 96;  // prefix 20, name 40, number 24 and dot 2, " us\n" 4
    SetupTrace() : enabled_(std::getenv("SKIFF_TRACE_SETUP") != nullptr) { times_[0] = enabled_ ? now_ns() : 0; }
    static long long now_ns() {
        timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1000000000LL + t.tv_nsec;
    }
    // Phase names are short literals; each line has room for 40 characters of one.
    static char* append(char* out, const char* text) {
        const size_t n = strnlen(text, 40);
        std::memcpy(out, text, n);
        return out + n;
    }
    bool enabled_;
    size_t marks_ = 0;
    const char* phases_[kMaxMarks] = {};
    long long times_[kMaxMarks + 1] = {};
};

}  // namespace skiff
