#include "common/setup_trace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>

namespace skiff {
namespace {

// The trace is a process-wide singleton that reads SKIFF_TRACE_SETUP once: turned on before first use.
SetupTrace& trace() {
    setenv("SKIFF_TRACE_SETUP", "1", 1);
    SetupTrace& t = SetupTrace::instance();
    testing::internal::CaptureStderr();
    t.flush();  // whatever an earlier test left
    testing::internal::GetCapturedStderr();
    return t;
}

std::string flushed(SetupTrace& t) {
    testing::internal::CaptureStderr();
    t.flush();
    return testing::internal::GetCapturedStderr();
}

TEST(SetupTrace, MarksWriteNothingUntilFlushThenOneLinePerPhase) {
    SetupTrace& t = trace();
    testing::internal::CaptureStderr();
    t.mark("first");
    usleep(2000);
    t.mark("second-phase");
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");

    const std::string out = flushed(t);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(out, m,
                                 std::regex("skiff: setup-trace: first [0-9]+\\.[0-9] us\n"
                                            "skiff: setup-trace: second-phase ([0-9]+)\\.[0-9] us\n")))
        << out;
    EXPECT_GE(std::stol(m[1]), 2000);  // the phase slept 2 ms
    EXPECT_EQ(flushed(t), "");         // flushed lines are not written twice
}

TEST(SetupTrace, KeepsTheFirstSixteenPhases) {
    SetupTrace& t = trace();
    for (int i = 0; i < 20; ++i) t.mark("phase");
    const std::string out = flushed(t);
    size_t lines = 0;
    for (char c : out) lines += c == '\n';
    EXPECT_EQ(lines, 16u);
}

}  // namespace
}  // namespace skiff
