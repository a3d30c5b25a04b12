// skiff-test's reports: the progress lines, the summary line and the JUnit XML.
#include "report.h"

#include <gtest/gtest.h>

namespace {

using namespace skiff::test;

TestResult passed_in(const std::string& name, double seconds, std::string output = "") {
    TestResult result{name, Status::passed, "", {}, std::move(output), seconds};
    return result;
}

TEST(SkiffTestReport, PrintsOneLinePerResult) {
    EXPECT_EQ(progress_text(passed_in("hello", 0.123), false), "[ OK ] hello (0.12 s)\n");
    EXPECT_EQ(progress_text(skipped("net", "requires net: no taps"), false), "[SKIP] net: requires net: no taps\n");
}

TEST(SkiffTestReport, FailureShowsTheDiffAndTheOutputTail) {
    TestResult result = failed("hello", "exit code 3, expected 0", {"exit code: expected 0, got 3"});
    for (int i = 1; i <= 25; ++i) result.output += "line " + std::to_string(i) + "\n";
    std::string text = progress_text(result, false);
    EXPECT_EQ(text.rfind("[FAIL] hello: exit code 3, expected 0\n    exit code: expected 0, got 3\n"
                         "    last 20 lines of output:\n    | line 6\n",
                         0),
              0u);
    EXPECT_NE(text.find("    | line 25\n"), std::string::npos);
    EXPECT_EQ(text.find("line 5\n"), std::string::npos);
}

TEST(SkiffTestReport, VerboseShowsAllOutput) {
    EXPECT_EQ(progress_text(passed_in("hello", 0.5, "Hi\nthere\n"), true),
              "[ OK ] hello (0.50 s)\n    | Hi\n    | there\n");
}

TEST(SkiffTestReport, SummaryCountsEachStatus) {
    std::vector<TestResult> results{passed_in("a", 0), failed("b", "x"), skipped("c", "y"), passed_in("d", 0)};
    EXPECT_EQ(summary_line(tally(results)), "2 passed, 1 failed, 1 skipped");
}

TEST(SkiffTestReport, EscapesXml) {
    EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    EXPECT_EQ(xml_escape(std::string("bell\x07") + "\ttab"), "bell\\x07\ttab");
    EXPECT_EQ(xml_escape("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 stays
    EXPECT_EQ(xml_escape("bad\xff"), "bad\\xff");         // invalid UTF-8 is escaped
}

TEST(SkiffTestReport, JunitHasCasesFailuresAndSkips) {
    TestResult bad = failed("b<1>", "exit code 1, expected 0", {"exit code: expected 0, got 1"});
    bad.output = "oops & more\n";
    std::string xml = junit_xml({passed_in("a", 0.5), bad, skipped("c", "no kvm")}, "skiff-test", 2);
    EXPECT_NE(xml.find("<testsuite name=\"skiff-test\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" "
                       "time=\"2.000\">"),
              std::string::npos);
    EXPECT_NE(xml.find("<testcase classname=\"skiff-test\" name=\"a\" time=\"0.500\">"), std::string::npos);
    EXPECT_NE(xml.find("name=\"b&lt;1&gt;\""), std::string::npos);
    EXPECT_NE(xml.find("<failure message=\"exit code 1, expected 0\">exit code: expected 0, got 1\n</failure>"),
              std::string::npos);
    EXPECT_NE(xml.find("<skipped message=\"no kvm\"/>"), std::string::npos);
    EXPECT_NE(xml.find("<system-out>oops &amp; more\n</system-out>"), std::string::npos);
}

TEST(AllowedSkips, TakesTheLinesOfItsOwnBackend) {
    const std::string text =
        "# a comment\n\nskiff-test:host fpu no SSE on kvm-pvm\nskiff-test:emulated other reason\nctest x y\n";
    const AllowedSkips host = parse_allowed_skips(text, "a.txt", "host");
    EXPECT_TRUE(host.allows("fpu"));
    EXPECT_FALSE(host.allows("other"));
    EXPECT_FALSE(host.allows("x"));
    EXPECT_TRUE(parse_allowed_skips(text, "a.txt", "emulated").allows("other"));
    EXPECT_FALSE(parse_allowed_skips(text, "a.txt", "emulated").allows("fpu"));
}

TEST(AllowedSkips, EveryEntryGivesItsReason) {
    try {
        parse_allowed_skips("skiff-test:host fpu\n", "a.txt", "host");
        FAIL() << "accepted";
    } catch (const SpecError& e) {
        EXPECT_STREQ(e.what(), "a.txt:1: want KIND NAME REASON");
    }
}

}  // namespace
