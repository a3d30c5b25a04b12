// skiff-test's verdicts: a run's exit code, output and host command against the expectations,
// and the console marker that carries a result out of the emulated host.
#include "result.h"

#include <gtest/gtest.h>

namespace {

using namespace skiff::test;

TestSpec expecting(int exit_code, std::vector<std::string> output = {}, std::vector<std::string> no_output = {}) {
    TestSpec test;
    test.name = "t";
    test.exit_code = exit_code;
    test.output = std::move(output);
    test.no_output = std::move(no_output);
    return test;
}

RunOutcome exited(int code, std::string output) {
    RunOutcome outcome;
    outcome.exit_code = code;
    outcome.output = std::move(output);
    outcome.seconds = 0.25;
    return outcome;
}

TEST(SkiffTestResult, PassesWhenEverythingMatches) {
    auto result = evaluate(expecting(0, {"^Hello", "world$"}, {"panic"}), exited(0, "Hello\nworld"));
    EXPECT_EQ(result.status, Status::passed);
    EXPECT_EQ(result.reason, "");
    EXPECT_DOUBLE_EQ(result.seconds, 0.25);
    EXPECT_EQ(result.output, "Hello\nworld");
}

TEST(SkiffTestResult, ReportsExitCodeMismatch) {
    auto result = evaluate(expecting(0), exited(3, ""));
    EXPECT_EQ(result.status, Status::failed);
    EXPECT_EQ(result.reason, "exit code 3, expected 0");
    EXPECT_EQ(result.details, std::vector<std::string>{"exit code: expected 0, got 3"});
}

TEST(SkiffTestResult, NamesTheRegexThatDidNotMatch) {
    auto result = evaluate(expecting(0, {"Hello", "Bye"}), exited(0, "Hello"));
    EXPECT_EQ(result.status, Status::failed);
    EXPECT_EQ(result.reason, "output did not match /Bye/");
    EXPECT_EQ(result.details, std::vector<std::string>{"output: expected a match for /Bye/, found none"});
}

TEST(SkiffTestResult, ShowsTheLineAForbiddenRegexMatched) {
    auto result = evaluate(expecting(0, {}, {"pan+ic"}), exited(0, "ok\nkernel panic here\nmore"));
    EXPECT_EQ(result.status, Status::failed);
    EXPECT_EQ(result.reason, "output matched forbidden /pan+ic/");
    EXPECT_EQ(result.details, std::vector<std::string>{"no_output: /pan+ic/ matched: kernel panic here"});
}

TEST(SkiffTestResult, CombinesSeveralProblemsInTheReason) {
    auto result = evaluate(expecting(0, {"x"}), exited(1, ""));
    EXPECT_EQ(result.reason, "exit code 1, expected 0; output did not match /x/");
    EXPECT_EQ(result.details.size(), 2u);
}

TEST(SkiffTestResult, ReportsTimeoutInsteadOfExitCode) {
    TestSpec test = expecting(0);
    test.timeout_s = 1.5;
    RunOutcome outcome;
    outcome.timed_out = true;
    auto result = evaluate(test, outcome);
    EXPECT_EQ(result.status, Status::failed);
    EXPECT_EQ(result.reason, "timed out after 1.5 s");
}

TEST(SkiffTestResult, ReportsDeathBySignal) {
    RunOutcome outcome;
    outcome.signal = 11;
    auto result = evaluate(expecting(0), outcome);
    EXPECT_EQ(result.reason, "skiff died of SIGSEGV");
    EXPECT_EQ(result.details, std::vector<std::string>{"exit code: expected 0, got SIGSEGV"});
}

TEST(SkiffTestResult, NamesSignals) {
    using skiff::test::exit_status_text;
    using skiff::test::signal_name;
    EXPECT_EQ(signal_name(2), "SIGINT");
    EXPECT_EQ(signal_name(9), "SIGKILL");
    EXPECT_EQ(signal_name(15), "SIGTERM");
    EXPECT_EQ(signal_name(0), "signal 0");
    EXPECT_EQ(signal_name(999), "signal 999");
    EXPECT_EQ(exit_status_text(3), "status 3");
    EXPECT_EQ(exit_status_text(128), "status 128");
    EXPECT_EQ(exit_status_text(130), "status 130 (SIGINT)");
    EXPECT_EQ(exit_status_text(143), "status 143 (SIGTERM)");
}

TEST(SkiffTestResult, NamesTheSignalThatKilledTheHostCommand) {
    TestSpec test = expecting(0);
    test.host_command = "sleep 100";
    RunOutcome outcome = exited(0, "");
    outcome.host_command_ran = true;
    outcome.host_command_signal = 9;
    EXPECT_EQ(evaluate(test, outcome).reason, "host command failed (killed by SIGKILL)");
}

TEST(SkiffTestResult, FailsWhenTheHostCommandFails) {
    TestSpec test = expecting(0);
    test.host_command = "ping -c 1 10.0.0.2";
    RunOutcome outcome = exited(0, "");
    outcome.host_command_ran = true;
    outcome.host_command_exit = 1;
    outcome.host_command_output = "1 packets transmitted, 0 received\n";
    auto result = evaluate(test, outcome);
    EXPECT_EQ(result.status, Status::failed);
    EXPECT_EQ(result.reason, "host command failed (exit status 1)");
    EXPECT_EQ(result.details,
              (std::vector<std::string>{"host command: `ping -c 1 10.0.0.2` expected exit status 0, got exit status 1",
                                        "  host| 1 packets transmitted, 0 received"}));
    outcome.host_command_exit = 0;
    EXPECT_EQ(evaluate(test, outcome).status, Status::passed);
}

TEST(SkiffTestResult, LastLinesKeepsTheTail) {
    EXPECT_EQ(last_lines("a\nb\nc\n", 2), (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(last_lines("a\nb", 5), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(last_lines("", 3).empty());
}

TEST(SkiffTestResult, MarkerRoundTripsAResult) {
    TestResult result = failed("net \"echo\"", "exit code 1, expected 0", {"exit code: expected 0, got 1"});
    result.output = "line1\nbin\x01\xff\ttab\n";
    result.seconds = 1.25;
    std::string line = encode_result_marker(result);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.rfind("@@skiff-test: result {", 0), 0u);
    // Console noise before the marker (terminal resets) is tolerated.
    auto decoded = decode_result_marker(
        "\x1b"
        "c" +
        line);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->name, result.name);
    EXPECT_EQ(decoded->status, Status::failed);
    EXPECT_EQ(decoded->reason, result.reason);
    EXPECT_EQ(decoded->details, result.details);
    EXPECT_EQ(decoded->output.substr(0, 10), "line1\nbin\x01");  // the invalid byte is replaced
    EXPECT_DOUBLE_EQ(decoded->seconds, 1.25);
}

TEST(SkiffTestResult, MarkerDecodingIgnoresOtherLines) {
    EXPECT_FALSE(decode_result_marker("[    7.1] reboot: Power down"));
    EXPECT_FALSE(decode_result_marker("@@skiff-test: result {\"name\": \"cut off"));
    EXPECT_FALSE(decode_result_marker(R"(@@skiff-test: result {"name": "x", "status": "weird", "reason": "",
                                        "details": [], "output": "", "seconds": 0})"));
}

}  // namespace
