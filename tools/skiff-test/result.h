// What one test run produced, and the verdict against its expectations.
#pragma once

#include "spec.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::test {

// The raw facts of one run of skiff (and the test's host command).
struct RunOutcome {
    std::optional<int> exit_code;  // set when skiff exited normally
    std::optional<int> signal;     // set when skiff died of a signal
    bool timed_out = false;
    std::string output;  // skiff's stdout and stderr, interleaved as written
    bool host_command_ran = false;
    std::optional<int> host_command_exit;    // nullopt: killed or died of a signal
    std::optional<int> host_command_signal;  // the signal it died of
    std::string host_command_output;
    double seconds = 0;
};

enum class Status { passed, failed, skipped };
std::string_view status_name(Status status);

struct TestResult {
    std::string name;
    Status status = Status::passed;
    std::string reason;                // one line: why it failed or was skipped
    std::vector<std::string> details;  // expected-vs-got lines for a failure
    std::string output;                // the guest's output (stdout+stderr of skiff)
    double seconds = 0;
};

// "SIGSEGV" for 11; "signal 99" for a number that names no signal.
std::string signal_name(int signal);
// A shell's exit status for a person: "status 3", "status 130 (SIGINT)".
std::string exit_status_text(int status);

TestResult evaluate(const TestSpec& test, const RunOutcome& outcome);

TestResult skipped(const std::string& name, const std::string& reason);
TestResult failed(const std::string& name, const std::string& reason, std::vector<std::string> details = {});

// The last `count` lines of `text` (a trailing newline does not count as an empty line).
std::vector<std::string> last_lines(std::string_view text, std::size_t count);

// One result as a single console line, for streaming results out of the emulated host:
// "@@skiff-test: result {json}". Decoding returns nullopt for any other line.
std::string encode_result_marker(const TestResult& result);
std::optional<TestResult> decode_result_marker(std::string_view line);

}  // namespace skiff::test
