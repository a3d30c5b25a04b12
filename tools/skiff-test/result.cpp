#include "result.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <regex>

namespace skiff::test {
namespace {

constexpr std::string_view result_marker = "@@skiff-test: result ";

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

// The first line of `text` that `pattern` matches, for showing why a no_output check failed.
// ECMAScript, with ^ and $ matching at the start and end of every line of the output.
std::regex output_pattern(const std::string& pattern) {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::multiline);
}

std::string matching_line(const std::string& text, const std::regex& pattern) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (std::regex_search(line, pattern)) return line;
        start = end + 1;
    }
    return "(a match spanning lines)";
}

}  // namespace

std::string_view status_name(Status status) {
    switch (status) {
        case Status::passed: return "passed";
        case Status::failed: return "failed";
        case Status::skipped: return "skipped";
    }
    return "failed";
}

std::string signal_name(int signal) {
    const char* abbreviation = signal > 0 && signal < NSIG ? ::sigabbrev_np(signal) : nullptr;
    return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

std::string exit_status_text(int status) {
    std::string text = "status " + std::to_string(status);
    if (status > 128 && status < 128 + NSIG && ::sigabbrev_np(status - 128))
        text += " (" + signal_name(status - 128) + ")";
    return text;
}

TestResult skipped(const std::string& name, const std::string& reason) {
    return TestResult{name, Status::skipped, reason, {}, {}, 0};
}

TestResult failed(const std::string& name, const std::string& reason, std::vector<std::string> details) {
    return TestResult{name, Status::failed, reason, std::move(details), {}, 0};
}

TestResult evaluate(const TestSpec& test, const RunOutcome& outcome) {
    TestResult result{test.name, Status::passed, {}, {}, outcome.output, outcome.seconds};
    std::vector<std::string> problems;  // short, for the one-line reason
    auto& details = result.details;

    if (outcome.timed_out) {
        problems.push_back("timed out after " + seconds_text(test.timeout_s) + " s");
        details.push_back("timeout: the guest was still running after " + seconds_text(test.timeout_s) +
                          " s and was killed");
    } else if (outcome.signal) {
        problems.push_back("skiff died of " + signal_name(*outcome.signal));
        details.push_back("exit code: expected " + std::to_string(test.exit_code) + ", got " +
                          signal_name(*outcome.signal));
    } else if (outcome.exit_code != test.exit_code) {
        int got = outcome.exit_code.value_or(-1);
        problems.push_back("exit code " + std::to_string(got) + ", expected " + std::to_string(test.exit_code));
        details.push_back("exit code: expected " + std::to_string(test.exit_code) + ", got " + std::to_string(got));
    }
    for (const auto& pattern : test.output) {
        if (!std::regex_search(outcome.output, output_pattern(pattern))) {
            problems.push_back("output did not match /" + pattern + "/");
            details.push_back("output: expected a match for /" + pattern + "/, found none");
        }
    }
    for (const auto& pattern : test.no_output) {
        const std::regex compiled = output_pattern(pattern);
        if (std::regex_search(outcome.output, compiled)) {
            problems.push_back("output matched forbidden /" + pattern + "/");
            details.push_back("no_output: /" + pattern + "/ matched: " + matching_line(outcome.output, compiled));
        }
    }
    if (test.host_command) {
        if (!outcome.host_command_ran) {
            problems.push_back("host command did not run");
            details.push_back("host command: `" + *test.host_command + "` never started");
        } else if (outcome.host_command_exit != 0) {
            std::string got = outcome.host_command_exit ? "exit status " + std::to_string(*outcome.host_command_exit)
                              : outcome.host_command_signal ? "killed by " + signal_name(*outcome.host_command_signal)
                                                            : std::string("killed");
            problems.push_back("host command failed (" + got + ")");
            details.push_back("host command: `" + *test.host_command + "` expected exit status 0, got " + got);
            for (const auto& line : last_lines(outcome.host_command_output, 10)) details.push_back("  host| " + line);
        }
    }
    if (!problems.empty()) {
        result.status = Status::failed;
        result.reason = problems.front();
        for (std::size_t i = 1; i < problems.size(); ++i) result.reason += "; " + problems[i];
    }
    return result;
}

std::vector<std::string> last_lines(std::string_view text, std::size_t count) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.size() > count) lines.erase(lines.begin(), lines.end() - std::ptrdiff_t(count));
    return lines;
}

std::string encode_result_marker(const TestResult& result) {
    nlohmann::json record = {{"name", result.name},     {"status", status_name(result.status)},
                             {"reason", result.reason}, {"details", result.details},
                             {"output", result.output}, {"seconds", result.seconds}};
    // ASCII only: the serial console must not mangle it.
    return std::string(result_marker) + record.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

std::optional<TestResult> decode_result_marker(std::string_view line) {
    auto at = line.find(result_marker);
    if (at == std::string_view::npos) return std::nullopt;
    try {
        auto record = nlohmann::json::parse(line.substr(at + result_marker.size()));
        TestResult result;
        result.name = record.at("name").get<std::string>();
        std::string status = record.at("status").get<std::string>();
        if (status == "passed")
            result.status = Status::passed;
        else if (status == "skipped")
            result.status = Status::skipped;
        else if (status == "failed")
            result.status = Status::failed;
        else
            return std::nullopt;
        result.reason = record.at("reason").get<std::string>();
        result.details = record.at("details").get<std::vector<std::string>>();
        result.output = record.at("output").get<std::string>();
        result.seconds = record.at("seconds").get<double>();
        return result;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

}  // namespace skiff::test
