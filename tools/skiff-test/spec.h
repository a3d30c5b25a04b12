// The expectations file: a list of guest tests and what each must show. Parsed strictly: unknown
// keys and wrong types are errors naming the file, the test and the field.
#pragma once

#include <nlohmann/json.hpp>

#include "json_reader.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::test {

// One line for the user: "<file>: .tests[1].exit_code: must be an integer 0..255 (test \"hello\")".
using SpecError = tools::JsonInputError;

struct DiskSpec {
    std::string name;
    std::uint64_t size = 0;
    std::optional<std::uint32_t> sector_size;
};

struct NicSpec {
    std::string name;
    std::optional<std::string> host_ip;  // "a.b.c.d/prefix", validated
    std::optional<int> mtu;
};

struct TestSpec {
    std::string name;
    std::string image;
    std::vector<std::string> skiff_args;
    std::vector<std::string> guest_args;
    int exit_code = 0;
    std::vector<std::string> output;     // ECMAScript regexes that must each match somewhere
    std::vector<std::string> no_output;  // ECMAScript regexes none of which may match
    double timeout_s = 30;
    std::vector<DiskSpec> disks;
    std::vector<NicSpec> nics;
    bool bridge_nics = false;
    std::optional<std::string> host_command;
    std::vector<std::string> requirements;   // the file's "requires" (a C++20 keyword)
    std::vector<std::string> architectures;  // the file's "arch"; empty: every architecture
    nlohmann::json source;                   // the test's object as written, for re-emitting it
};

struct Suite {
    std::vector<TestSpec> tests;
};

// Capabilities a test may list in "requires".
inline const std::vector<std::string> known_requirements = {"net", "bridge", "sse"};
// Architectures a test may list in "arch" (an image's, from its ELF header's e_machine).
inline const std::vector<std::string> known_architectures = {"x86_64", "aarch64"};

// Parses the file's text; `origin` names it in errors. Comments (// and /* */) are allowed.
Suite parse_suite(std::string_view text, const std::string& origin);
Suite load_suite(const std::filesystem::path& file);

// Keeps the tests whose name matches `pattern` (ECMAScript, searched anywhere in the name). Throws
// SpecError when the regex is invalid or matches no test (naming a few of the tests there are).
Suite filter_suite(const Suite& suite, const std::string& pattern);

// The tests of `suite` for architecture `arch` ("x86_64" or "aarch64"): those without "arch", and
// those whose "arch" names it. The others are left out (counted), neither run nor skipped.
struct ArchSplit {
    Suite kept;
    std::size_t left_out = 0;
};
ArchSplit leave_out_other_architectures(const Suite& suite, const std::string& arch);

// The address and prefix length of "a.b.c.d/n"; nullopt when malformed.
struct Ipv4Prefix {
    std::uint32_t address = 0;  // host byte order
    int prefix = 0;
};
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);

}  // namespace skiff::test
