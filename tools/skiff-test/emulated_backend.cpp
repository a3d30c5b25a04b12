#include "emulated_backend.h"

#include "child_process.h"
#include "fixtures.h"
#include "scratch_dir.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <set>

#ifndef SKIFF_TEST_SOURCE_HARNESS
#define SKIFF_TEST_SOURCE_HARNESS ""
#endif

namespace skiff::test {

using tools::Child;
using tools::Clock;
using tools::find_program;
using tools::ScratchDir;
using tools::wait_for_any;
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view ready_marker = "@@emulated-kvm: ready";
constexpr std::string_view no_kvm_marker = "@@emulated-kvm: no-kvm ";
constexpr std::string_view rc_marker = "@@emulated-kvm: rc=";
// Downloading the kernel once plus booting under TCG; the tests' own timeouts come on top.
constexpr auto preparation_allowance = 600s;
constexpr std::size_t console_tail_lines = 30;

fs::path own_executable() {
    return fs::read_symlink("/proc/self/exe");
}

fs::path find_harness() {
    if (const char* dir = std::getenv("SKIFF_TEST_HARNESS"); dir && *dir) return dir;
    fs::path installed = own_executable().parent_path().parent_path() / "libexec/skiff/emulated-kvm";
    if (fs::exists(installed / "boot.sh")) return installed;
    return SKIFF_TEST_SOURCE_HARNESS;
}

fs::path cache_dir() {
    if (const char* dir = std::getenv("SKIFF_TEST_CACHE"); dir && *dir) return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "skiff-test";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/tmp") / ".cache/skiff-test";
}

std::string after(std::string_view line, std::string_view marker) {
    return std::string(line.substr(line.find(marker) + marker.size()));
}

// Copies what the guest needs into payload/: /st/bin/{skiff,skiff-test}, /st/images/<i>/<name>,
// /st/tests.json (the selected tests, images renamed), /run.sh. Returns the tests it staged.
std::vector<const TestSpec*> stage_payload(const fs::path& payload, const Suite& suite,
                                           const EmulatedSettings& settings,
                                           const std::function<void(const TestResult&)>& sink) {
    fs::create_directories(payload / "st/bin");
    fs::copy_file(settings.skiff, payload / "st/bin/skiff");
    fs::copy_file(settings.runner, payload / "st/bin/skiff-test");
    nlohmann::json tests = nlohmann::json::array();
    std::vector<const TestSpec*> staged;
    for (std::size_t i = 0; i < suite.tests.size(); ++i) {
        const TestSpec& test = suite.tests[i];
        fs::path image = settings.image_dir / test.image;
        if (!fs::is_regular_file(image)) {
            sink(failed(test.name, "image not found: " + image.string()));
            continue;
        }
        fs::path inside = fs::path("images") / std::to_string(i) / image.filename();
        fs::create_directories(payload / "st" / inside.parent_path());
        fs::copy_file(image, payload / "st" / inside);
        nlohmann::json source = test.source;
        source["image"] = inside.string();
        tests.push_back(source);
        staged.push_back(&test);
    }
    std::ofstream(payload / "st/tests.json") << nlohmann::json{{"version", 1}, {"tests", tests}}.dump(2) << "\n";
    std::ofstream(payload / "run.sh") << "exec /st/bin/skiff-test --kvm=host --emit-markers --skiff /st/bin/skiff "
                                         "--image-dir /st /st/tests.json\n";
    return staged;
}

}  // namespace

std::string emulated_backend_label(HostArch arch) {
    return arch == HostArch::x86_64 ? "emulated KVM (QEMU TCG + nested kvm_amd"
                                    : "emulated KVM (QEMU TCG aarch64 + KVM at EL2";
}

EmulatedAvailability probe_emulated(HostArch arch) {
    EmulatedAvailability where;
    where.harness = find_harness();
    where.cache = cache_dir();
    where.arch = arch;
    const bool x86 = arch == HostArch::x86_64;
    // boot.sh keeps the arm64 kernel (and its busybox) apart from the x86_64 one.
    const fs::path kernel = (x86 ? where.cache : where.cache / "arm64") / "kernel";
    std::vector<std::string> missing;
    if (where.harness.empty() || !fs::exists(where.harness / "boot.sh"))
        missing.push_back("the emulated-kvm scripts (set SKIFF_TEST_HARNESS)");
    if (x86 && !find_program("qemu-system-x86_64")) missing.push_back("qemu-system-x86_64 (package qemu-system-x86)");
    if (!x86 && !find_program("qemu-system-aarch64"))
        missing.push_back("qemu-system-aarch64 (package qemu-system-arm)");
    // The arm64 host's busybox is busybox-static:arm64, fetched with its kernel.
    if (x86 && !find_program("busybox")) missing.push_back("busybox (package busybox-static)");
    if (!find_program("cpio")) missing.push_back("cpio");
    if (!fs::exists(kernel / "ready") && !find_program("apt-get"))
        missing.push_back("a kernel (none cached in " + kernel.parent_path().string() +
                          " and no apt-get to fetch one)");
    for (const auto& item : missing) where.why += (where.why.empty() ? "missing " : ", ") + item;
    where.available = missing.empty();
    return where;
}

EmulatedRun run_emulated(const Suite& suite, const EmulatedSettings& settings, const EmulatedAvailability& where,
                         const std::function<void(const TestResult&)>& sink) {
    ScratchDir work;
    auto staged = stage_payload(work.path() / "payload", suite, settings, sink);
    if (staged.empty()) return {true, {}};

    auto budget = preparation_allowance;
    for (const TestSpec* test : staged) budget += std::chrono::seconds(long(test->timeout_s * 2) + 5);
    const auto start = Clock::now();
    const auto deadline = start + budget;

    Child boot =
        Child::start({(where.harness / "boot.sh").string(), "--arch", std::string(harness_arch_name(where.arch)),
                      "--cache", where.cache.string(), work.path().string()});
    std::set<std::string> reported;
    std::deque<std::string> console_tail;
    bool ready = false;
    std::string no_kvm;
    std::optional<int> inner_status;
    bool timed_out = false;

    auto handle_line = [&](std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (auto result = decode_result_marker(line)) {
            reported.insert(result->name);
            sink(*result);
        } else if (line.find(ready_marker) != std::string::npos) {
            ready = true;
            if (settings.verbose)
                std::printf("skiff-test: emulated host ready after %.1f s (guest%s)\n",
                            std::chrono::duration<double>(Clock::now() - start).count(),
                            after(line, ready_marker).c_str());
        } else if (line.find(no_kvm_marker) != std::string::npos) {
            no_kvm = after(line, no_kvm_marker);
        } else if (line.find(rc_marker) != std::string::npos) {
            inner_status = std::atoi(after(line, rc_marker).c_str());
        } else {
            console_tail.push_back(line);
            if (console_tail.size() > console_tail_lines) console_tail.pop_front();
            // Between the markers only the runner inside speaks; anything else is news.
            if (ready && !inner_status && !line.empty())
                std::fprintf(stderr, "skiff-test: emulated host: %s\n", line.c_str());
        }
        std::fflush(stdout);
    };

    while (!boot.done()) {
        if (Clock::now() >= deadline) {
            timed_out = true;
            boot.kill_group();
            break;
        }
        wait_for_any({&boot}, deadline);
        for (auto& line : boot.take_lines()) handle_line(line);
    }
    boot.finish();
    for (auto& line : boot.take_lines()) handle_line(line);

    std::string tail;
    for (const auto& line : console_tail) tail += line + "\n";
    if (!no_kvm.empty()) return {false, "no /dev/kvm inside the emulated host: " + no_kvm};
    if (!ready) {
        std::fprintf(stderr, "skiff-test: the emulated KVM host did not come up; its last output:\n%s", tail.c_str());
        std::string last = console_tail.empty() ? "no output" : console_tail.back();
        return {false,
                std::string("the emulated KVM host did not come up") + (timed_out ? " (timed out)" : "") + ": " + last};
    }
    std::string why_missing = timed_out      ? "the emulated host timed out before this test reported"
                              : inner_status ? "the runner inside the emulated host ended (" +
                                                   exit_status_text(*inner_status) + ") before this test reported"
                                             : "the emulated host stopped before this test reported";
    for (const TestSpec* test : staged) {
        if (reported.count(test->name)) continue;
        TestResult result = failed(test->name, why_missing);
        result.output = tail;
        sink(result);
    }
    return {true, {}};
}

}  // namespace skiff::test
