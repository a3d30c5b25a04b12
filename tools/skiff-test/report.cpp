#include "report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "spec.h"

namespace skiff::test {
namespace {

constexpr std::size_t output_lines_on_failure = 20;

std::string fixed(double value, int decimals) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

void append_indented(std::string& out, const std::string& prefix, std::string_view text) {
    for (const auto& line : last_lines(text, SIZE_MAX)) out += prefix + line + "\n";
}

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned char lead = text[i];
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xe  ? 3
                             : (lead >> 3) == 0x1e ? 4
                                                   : 0;
        if (length == 0 || i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
        i += length;
    }
    return true;
}

}  // namespace

Tally tally(const std::vector<TestResult>& results) {
    Tally counts;
    for (const auto& result : results) {
        if (result.status == Status::passed) ++counts.passed;
        if (result.status == Status::failed) ++counts.failed;
        if (result.status == Status::skipped) ++counts.skipped;
    }
    return counts;
}

std::string summary_line(const Tally& counts) {
    return std::to_string(counts.passed) + " passed, " + std::to_string(counts.failed) + " failed, " +
           std::to_string(counts.skipped) + " skipped";
}

std::string progress_text(const TestResult& result, bool verbose) {
    std::string text;
    switch (result.status) {
        case Status::passed: text = "[ OK ] " + result.name + " (" + fixed(result.seconds, 2) + " s)\n"; break;
        case Status::skipped: text = "[SKIP] " + result.name + ": " + result.reason + "\n"; break;
        case Status::failed:
            text = "[FAIL] " + result.name + ": " + result.reason + "\n";
            for (const auto& line : result.details) text += "    " + line + "\n";
            if (!verbose) {
                auto tail = last_lines(result.output, output_lines_on_failure);
                if (tail.empty()) {
                    text += "    (no output)\n";
                } else {
                    text += "    last " + std::to_string(tail.size()) + " lines of output:\n";
                    for (const auto& line : tail) text += "    | " + line + "\n";
                }
            }
            break;
    }
    if (verbose && result.status != Status::skipped) {
        if (result.output.empty())
            text += "    (no output)\n";
        else
            append_indented(text, "    | ", result.output);
    }
    return text;
}

std::string xml_escape(std::string_view text) {
    // Invalid UTF-8 would make the whole document unreadable: then every byte above 0x7f is escaped.
    const bool utf8 = is_valid_utf8(text);
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: {
                // XML 1.0 forbids most control characters, even as character references.
                bool control = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
                if (control || (!utf8 && c >= 0x80)) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "\\x%02x", c);
                    out += hex;
                } else {
                    out += char(c);
                }
            }
        }
    }
    return out;
}

std::string junit_xml(const std::vector<TestResult>& results, const std::string& suite_name, double seconds) {
    Tally counts = tally(results);
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += "<testsuites>\n";
    xml += "  <testsuite name=\"" + xml_escape(suite_name) + "\" tests=\"" + std::to_string(results.size()) +
           "\" failures=\"" + std::to_string(counts.failed) + "\" errors=\"0\" skipped=\"" +
           std::to_string(counts.skipped) + "\" time=\"" + fixed(seconds, 3) + "\">\n";
    for (const auto& result : results) {
        xml += "    <testcase classname=\"" + xml_escape(suite_name) + "\" name=\"" + xml_escape(result.name) +
               "\" time=\"" + fixed(result.seconds, 3) + "\">\n";
        if (result.status == Status::failed) {
            std::string body;
            for (const auto& line : result.details) body += line + "\n";
            xml += "      <failure message=\"" + xml_escape(result.reason) + "\">" + xml_escape(body) + "</failure>\n";
        } else if (result.status == Status::skipped) {
            xml += "      <skipped message=\"" + xml_escape(result.reason) + "\"/>\n";
        }
        if (!result.output.empty()) xml += "      <system-out>" + xml_escape(result.output) + "</system-out>\n";
        xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n</testsuites>\n";
    return xml;
}

bool AllowedSkips::allows(const std::string& name) const {
    return std::find(names.begin(), names.end(), name) != names.end();
}

AllowedSkips parse_allowed_skips(std::string_view text, const std::string& origin, const std::string& backend) {
    AllowedSkips allowed;
    std::istringstream lines{std::string(text)};
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.empty() || line[0] == '#' || line.find_first_not_of(" \t") == std::string::npos) continue;
        std::istringstream words(line);
        std::string kind, name, reason;
        words >> kind >> name;
        std::getline(words, reason);
        if (name.empty() || reason.find_first_not_of(" \t") == std::string::npos)
            throw SpecError(origin + ":" + std::to_string(number) + ": want KIND NAME REASON");
        if (kind == "skiff-test:" + backend) allowed.names.push_back(name);
    }
    return allowed;
}

AllowedSkips load_allowed_skips(const std::string& path, const std::string& backend) {
    std::ifstream in(path);
    if (!in) throw SpecError(path + ": cannot read the allowed skips");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_allowed_skips(text.str(), path, backend);
}

}  // namespace skiff::test
