// Reporting results: progress lines and the summary on the console, JUnit XML for CI.
#pragma once

#include "result.h"

#include <cstdio>
#include <string>
#include <vector>

namespace skiff::test {

struct Tally {
    int passed = 0, failed = 0, skipped = 0;
};
Tally tally(const std::vector<TestResult>& results);

// "N passed, N failed, N skipped"
std::string summary_line(const Tally& counts);

// "[ OK ] name (0.12 s)", "[FAIL] name: reason" + the diff, "[SKIP] name: reason";
// with `verbose`, the guest's output follows every result.
std::string progress_text(const TestResult& result, bool verbose);

// A JUnit XML document (one testsuite) for `results`.
std::string junit_xml(const std::vector<TestResult>& results, const std::string& suite_name, double seconds);

// The skips a run may have: "skiff-test:<backend> NAME REASON" lines of the allowed-skips file
// (tests/allowed-skips.txt); other lines are for other runners. Throws SpecError for a malformed line.
struct AllowedSkips {
    std::vector<std::string> names;
    bool allows(const std::string& name) const;
};
AllowedSkips parse_allowed_skips(std::string_view text, const std::string& origin, const std::string& backend);
AllowedSkips load_allowed_skips(const std::string& path, const std::string& backend);

// Text made safe for XML character data and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace skiff::test
