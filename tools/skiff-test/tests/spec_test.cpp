// skiff-test's expectations file: what parses, and the one-line error for what does not.
#include "spec.h"

#include "json_reader.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

using skiff::test::parse_suite;
using skiff::test::SpecError;

// The error text parse_suite gives for `text` (empty if it parsed).
std::string error_for(const std::string& text) {
    try {
        parse_suite(text, "t.json");
    } catch (const SpecError& e) {
        return e.what();
    }
    return "";
}

std::string one_test(const std::string& fields) {
    return R"({"version": 1, "tests": [{"name": "hello", "image": "hello.elf", "exit_code": 0)" + fields + "}]}";
}

TEST(SkiffTestSpec, ParsesEveryField) {
    auto suite = parse_suite(R"({
      "version": 1,
      // comments are allowed
      "tests": [{
        "name": "net", "image": "echo/echo.elf", "skiff_args": ["--mem=32"], "guest_args": ["a", "b"],
        "exit_code": 7, "output": ["^Hello"], "no_output": ["panic"], "timeout_s": 2.5,
        "disks": [{"name": "storage", "size": 4194304, "sector_size": 4096}],
        "nics": [{"name": "service0", "host_ip": "10.0.0.1/24", "mtu": 1400}, {"name": "x"}],
        "host_command": "ping -c 1 10.0.0.2", "requires": ["net"], "arch": ["x86_64", "aarch64"]
      }]})",
                             "t.json");
    ASSERT_EQ(suite.tests.size(), 1u);
    const auto& test = suite.tests[0];
    EXPECT_EQ(test.name, "net");
    EXPECT_EQ(test.image, "echo/echo.elf");
    EXPECT_EQ(test.skiff_args, std::vector<std::string>{"--mem=32"});
    EXPECT_EQ(test.guest_args, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(test.exit_code, 7);
    EXPECT_EQ(test.output, std::vector<std::string>{"^Hello"});
    EXPECT_EQ(test.no_output, std::vector<std::string>{"panic"});
    EXPECT_DOUBLE_EQ(test.timeout_s, 2.5);
    ASSERT_EQ(test.disks.size(), 1u);
    EXPECT_EQ(test.disks[0].size, 4194304u);
    EXPECT_EQ(test.disks[0].sector_size, 4096u);
    ASSERT_EQ(test.nics.size(), 2u);
    EXPECT_EQ(test.nics[0].host_ip, "10.0.0.1/24");
    EXPECT_EQ(test.nics[0].mtu, 1400);
    EXPECT_FALSE(test.nics[1].host_ip.has_value());
    EXPECT_EQ(test.host_command, "ping -c 1 10.0.0.2");
    EXPECT_EQ(test.requirements, std::vector<std::string>{"net"});
    EXPECT_EQ(test.architectures, (std::vector<std::string>{"x86_64", "aarch64"}));
    EXPECT_EQ(test.source["image"], "echo/echo.elf");
}

TEST(SkiffTestSpec, AppliesDefaults) {
    auto test = parse_suite(one_test(""), "t.json").tests.at(0);
    EXPECT_DOUBLE_EQ(test.timeout_s, 30);
    EXPECT_TRUE(test.output.empty());
    EXPECT_FALSE(test.bridge_nics);
    EXPECT_FALSE(test.host_command.has_value());
    EXPECT_TRUE(test.architectures.empty());
}

TEST(SkiffTestSpec, RejectsUnknownKeysByName) {
    EXPECT_EQ(error_for(one_test(R"(, "outptu": ["x"])")),
              "t.json: .tests[0].outptu: unknown key, did you mean \"output\"? (test \"hello\")");
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [], "extra": 1})"), "t.json: .extra: unknown key");
    EXPECT_EQ(error_for(one_test(R"(, "disks": [{"name": "d", "size": 1, "sectors": 2}])")),
              "t.json: .tests[0].disks[0].sectors: unknown key (test \"hello\")");
}

TEST(SkiffTestSpec, SuggestsTheKnownKeyATypoMeant) {
    EXPECT_EQ(error_for(one_test(R"(, "disk": [])")),
              "t.json: .tests[0].disk: unknown key, did you mean \"disks\"? (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "timeout": 5)")),
              "t.json: .tests[0].timeout: unknown key, did you mean \"timeout_s\"? (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "exitcode": 0)")),
              "t.json: .tests[0].exitcode: unknown key, did you mean \"exit_code\"? (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "nics": [{"name": "n", "hostip": "10.0.0.1/24"}])")),
              "t.json: .tests[0].nics[0].hostip: unknown key, did you mean \"host_ip\"? (test \"hello\")");
    EXPECT_EQ(error_for(R"({"version": 1, "test": []})"), "t.json: .test: unknown key, did you mean \"tests\"?");
    // Nothing close enough: no guess.
    EXPECT_EQ(error_for(one_test(R"(, "memory": 5)")), "t.json: .tests[0].memory: unknown key (test \"hello\")");
}

TEST(SkiffTestSpec, EditDistanceCountsTranspositionsAsOne) {
    using skiff::tools::edit_distance;
    EXPECT_EQ(edit_distance("disk", "disks"), 1u);
    EXPECT_EQ(edit_distance("outptu", "output"), 1u);
    EXPECT_EQ(edit_distance("", "name"), 4u);
    EXPECT_EQ(edit_distance("name", "name"), 0u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    using skiff::tools::closest_key;
    EXPECT_EQ(closest_key("nmae", {"name", "image"}), "name");
    EXPECT_EQ(closest_key("ab", {"a", "b"}), std::nullopt);         // two letters: never a guess
    EXPECT_EQ(closest_key("mtux", {"mtu", "mtuy"}), std::nullopt);  // a tie: no guess
    EXPECT_EQ(closest_key("sectors", {"name", "size", "sector_size"}), std::nullopt);
}

TEST(SkiffTestSpec, RejectsWrongTypes) {
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [{"name": "h", "image": "h.elf", "exit_code": "0"}]})"),
              "t.json: .tests[0].exit_code: must be an integer 0..255 (test \"h\")");
    EXPECT_EQ(error_for(one_test(R"(, "output": "Hello")")),
              "t.json: .tests[0].output: must be an array of strings (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "timeout_s": 0)")),
              "t.json: .tests[0].timeout_s: must be a number of seconds, above 0 and at most 86400 (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "bridge_nics": 1)")),
              "t.json: .tests[0].bridge_nics: must be true or false (test \"hello\")");
    EXPECT_EQ(error_for(R"({"version": 1, "tests": {}})"), "t.json: .tests: must be an array of objects");
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [3]})"), "t.json: .tests[0]: must be an object");
}

TEST(SkiffTestSpec, RejectsMissingRequiredFields) {
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [{"name": "h", "image": "h.elf"}]})"),
              "t.json: .tests[0].exit_code: missing required key (test \"h\")");
    EXPECT_EQ(error_for(R"({"tests": []})"), "t.json: .version: missing required key");
    EXPECT_EQ(error_for(R"({"version": 2, "tests": []})"),
              "t.json: .version: unsupported version 2 (this skiff-test reads 1)");
}

TEST(SkiffTestSpec, RejectsBadValues) {
    EXPECT_EQ(error_for(one_test(R"(, "output": ["(unclosed"])"))
                  .rfind("t.json: .tests[0].output: invalid regex \"(unclosed\": ", 0),
              0u);
    EXPECT_EQ(error_for(one_test(R"(, "nics": [{"name": "n", "host_ip": "10.0.0.1"}])")),
              "t.json: .tests[0].nics[0].host_ip: \"10.0.0.1\" is not an IPv4 address with prefix "
              "(a.b.c.d/n) (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "nics": [{"name": "n"}, {"name": "n"}])")),
              "t.json: .tests[0].nics: duplicate name \"n\" (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "bridge_nics": true, "nics": [{"name": "n", "host_ip": "10.0.0.1/24"}])")),
              "t.json: .tests[0].bridge_nics: taps on a bridge take no host_ip (nic \"n\") (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "requires": ["gpu"])")),
              "t.json: .tests[0].requires: unknown capability \"gpu\" (known: net, bridge, sse) (test \"hello\")");
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [{"name": "h", "image": "h.elf", "exit_code": 256}]})"),
              "t.json: .tests[0].exit_code: must be an integer 0..255 (test \"h\")");
    EXPECT_EQ(error_for(one_test(R"(, "disks": [{"name": "d", "size": 0}])")),
              "t.json: .tests[0].disks[0].size: must be an integer 1..1099511627776 (test \"hello\")");
}

TEST(SkiffTestSpec, RejectsUnknownOrNoArchitectures) {
    EXPECT_EQ(error_for(one_test(R"(, "arch": ["arm64"])")),
              "t.json: .tests[0].arch: unknown architecture \"arm64\" (known: x86_64, aarch64) (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "arch": [])")),
              "t.json: .tests[0].arch: must name at least one architecture (x86_64, aarch64) (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "arch": "x86_64")")),
              "t.json: .tests[0].arch: must be an array of strings (test \"hello\")");
}

// Tests for another architecture than the run's are left out; no "arch" keeps the test.
TEST(SkiffTestSpec, LeavesOutTestsForOtherArchitectures) {
    auto suite = parse_suite(R"({"version": 1, "tests": [
        {"name": "any", "image": "a64.elf", "exit_code": 0},
        {"name": "x86_only", "image": "a64.elf", "exit_code": 0, "arch": ["x86_64"]},
        {"name": "a64_only", "image": "a64.elf", "exit_code": 0, "arch": ["aarch64"]},
        {"name": "both", "image": "a64.elf", "exit_code": 0, "arch": ["x86_64", "aarch64"]}]})",
                             "t.json");
    auto names = [](const skiff::test::ArchSplit& split) {
        std::vector<std::string> kept;
        for (const auto& test : split.kept.tests) kept.push_back(test.name);
        return kept;
    };
    auto split = skiff::test::leave_out_other_architectures(suite, "aarch64");
    EXPECT_EQ(split.left_out, 1u);
    EXPECT_EQ(names(split), (std::vector<std::string>{"any", "a64_only", "both"}));
    split = skiff::test::leave_out_other_architectures(suite, "x86_64");
    EXPECT_EQ(split.left_out, 1u);
    EXPECT_EQ(names(split), (std::vector<std::string>{"any", "x86_only", "both"}));
}

TEST(SkiffTestSpec, RejectsDuplicateTestNames) {
    EXPECT_EQ(error_for(R"({"version": 1, "tests": [{"name": "a", "image": "x", "exit_code": 0},
                                                     {"name": "a", "image": "y", "exit_code": 1}]})"),
              "t.json: .tests[1].name: duplicate test name \"a\"");
}

TEST(SkiffTestSpec, RejectsInvalidJson) {
    EXPECT_EQ(error_for("{\"version\": 1,").rfind("t.json: not valid JSON: ", 0), 0u);
}

TEST(SkiffTestSpec, FiltersByRegexOnName) {
    auto suite = parse_suite(R"({"version": 1, "tests": [{"name": "net-echo", "image": "x", "exit_code": 0},
                                                          {"name": "hello", "image": "y", "exit_code": 0}]})",
                             "t.json");
    auto kept = skiff::test::filter_suite(suite, "^net");
    ASSERT_EQ(kept.tests.size(), 1u);
    EXPECT_EQ(kept.tests[0].name, "net-echo");
    EXPECT_THROW(skiff::test::filter_suite(suite, "("), SpecError);
}

TEST(SkiffTestSpec, RefusesAFilterThatMatchesNothing) {
    auto error = [](const skiff::test::Suite& suite, const std::string& pattern) -> std::string {
        try {
            skiff::test::filter_suite(suite, pattern);
        } catch (const SpecError& e) {
            return e.what();
        }
        return "";
    };
    auto two = parse_suite(R"({"version": 1, "tests": [{"name": "net-echo", "image": "x", "exit_code": 0},
                                                        {"name": "hello", "image": "y", "exit_code": 0}]})",
                           "t.json");
    EXPECT_EQ(error(two, "^helo"), "--filter \"^helo\" matches no test name; the tests are: net-echo, hello");
    std::string many = R"({"version": 1, "tests": [)";
    for (int i = 0; i < 7; ++i)
        many +=
            std::string(i ? "," : "") + R"({"name": "t)" + std::to_string(i) + R"(", "image": "x", "exit_code": 0})";
    EXPECT_EQ(error(parse_suite(many + "]}", "t.json"), "nope"),
              "--filter \"nope\" matches no test name; the tests are: t0, t1, t2, t3, t4, ... (7 in all)");
    EXPECT_EQ(error(parse_suite(R"({"version": 1, "tests": []})", "t.json"), "x"),
              "--filter \"x\" matches no test name (the file has no tests)");
}

TEST(SkiffTestSpec, RefusesOverlappingSubnetsWithinOneTest) {
    EXPECT_EQ(error_for(one_test(R"(, "nics": [{"name": "a", "host_ip": "10.0.0.1/24"},
                                               {"name": "b", "host_ip": "10.0.0.2/16"}])")),
              "t.json: .tests[0].nics: the subnets of nic \"a\" (10.0.0.1/24) and nic \"b\" (10.0.0.2/16) overlap; "
              "the taps of one test are up together, so give each its own subnet (test \"hello\")");
    EXPECT_EQ(error_for(one_test(R"(, "nics": [{"name": "a", "host_ip": "10.0.0.1/24"},
                                               {"name": "b", "host_ip": "10.0.1.1/24"}, {"name": "c"}])")),
              "");
}

TEST(SkiffTestSpec, ParsesIpv4Prefixes) {
    auto parsed = skiff::test::parse_ipv4_prefix("10.0.0.1/24");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->address, 0x0a000001u);
    EXPECT_EQ(parsed->prefix, 24);
    EXPECT_FALSE(skiff::test::parse_ipv4_prefix("10.0.0.1/33"));
    EXPECT_FALSE(skiff::test::parse_ipv4_prefix("10.0.0/24"));
    EXPECT_FALSE(skiff::test::parse_ipv4_prefix("10.0.0.1/"));
    EXPECT_FALSE(skiff::test::parse_ipv4_prefix("10.0.0.1/2x"));
}

}  // namespace
