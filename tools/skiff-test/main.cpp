// skiff-test: runs guest tests described by an expectations file under skiff, on this host's KVM
// or inside an emulated KVM host, and reports them for humans (and JUnit XML for CI).
#include "child_process.h"
#include "emulated_arch.h"
#include "emulated_backend.h"
#include "host_backend.h"
#include "kvm_probe.h"
#include "report.h"
#include "scratch_dir.h"
#include "spec.h"
#include "subnets.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#ifndef SKIFF_TEST_BUILD_TREE_SKIFF
#define SKIFF_TEST_BUILD_TREE_SKIFF ""
#endif

namespace {

namespace fs = std::filesystem;
using namespace skiff::test;
using namespace skiff::tools;

constexpr int exit_usage = 2;
constexpr int exit_no_backend = 77;  // ctest's SKIP_RETURN_CODE

struct Options {
    std::string kvm = "auto";
    std::string skiff;
    std::string image_dir;
    std::string junit;
    std::string filter;
    bool verbose = false;
    bool fail_on_skip = false;
    std::string allowed_skips;
    bool emit_markers = false;  // inside the emulated host: results as console markers only
    std::string arch;           // --arch: the emulated host's, else the images' (emulated_arch.h)
    std::string runner;         // --runner: the skiff-test staged inside the emulated host
    std::string file;
};

// --skiff, else skiff next to skiff-test, else the one this build tree made, else PATH.
std::optional<std::string> resolve_skiff(const Options& options) {
    if (!options.skiff.empty())
        return find_program(options.skiff.find('/') == std::string::npos ? "./" + options.skiff : options.skiff);
    fs::path beside = fs::read_symlink("/proc/self/exe").parent_path() / "skiff";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
    std::string built = SKIFF_TEST_BUILD_TREE_SKIFF;
    if (!built.empty() && ::access(built.c_str(), X_OK) == 0) return built;
    return find_program("skiff");
}

// A result small enough to cross the emulated host's serial console quickly: the output's tail.
TestResult console_sized(TestResult result) {
    constexpr std::size_t keep = 256 * 1024;
    if (result.output.size() > keep) {
        std::size_t cut = result.output.size() - keep;
        result.output = "[... " + std::to_string(cut) + " bytes of output cut ...]\n" + result.output.substr(cut);
    }
    return result;
}

enum class Backend { host, emulated, none };

struct Choice {
    Backend backend = Backend::none;
    std::string line;    // the "backend: ..." line, saying which and why
    std::string reason;  // why, alone
    bool host_works = false;
    EmulatedAvailability emulated;
};

// The architecture the tests need, and how it was chosen when that is news (not this machine's,
// or forced): the emulated host's architecture, and host KVM's only hope of running them.
struct TestArch {
    HostArch arch = this_machine_arch();
    std::string note;  // "; aarch64 host (aarch64 images)" or empty
};

std::string emulated_line(const TestArch& arch, const std::string& reason) {
    return emulated_backend_label(arch.arch) + "; " + reason + arch.note + ")";
}

// `skiff` runs the calibration guest when --kvm=auto has both backends to choose from.
Choice choose_backend(const std::string& wanted, const std::string& skiff, bool any_tests, const TestArch& arch) {
    Choice choice;
    const bool foreign = arch.arch != this_machine_arch();
    KvmProbe host = wanted == "emulated" ? KvmProbe{false, "not tried (--kvm=emulated)"}
                    : foreign            ? KvmProbe{false, "the tests are for " + std::string(arch_name(arch.arch)) +
                                                    ", this machine is " + std::string(arch_name(this_machine_arch()))}
                                         : probe_host_kvm();
    choice.host_works = host.works;
    // Host KVM works, but on x86_64 it may be a software one (kvm-pvm) so slow that the emulated host
    // is faster; the calibration guest tells. aarch64 has no such KVM, and no calibration guest.
    if (host.works && wanted == "auto" && any_tests && this_machine_arch() == HostArch::x86_64) {
        choice.emulated = probe_emulated(arch.arch);
        if (choice.emulated.available) {
            const AutoDecision decision = decide_auto(run_calibration(skiff));
            choice.reason = decision.reason;
            choice.backend = decision.use_emulated ? Backend::emulated : Backend::host;
            choice.line = decision.use_emulated ? emulated_line(arch, decision.reason)
                                                : "host KVM (" + host.why + "; " + decision.reason + ")";
            return choice;
        }
    }
    if (host.works) {
        choice.backend = Backend::host;
        choice.reason = host.why;
        choice.line = "host KVM (" + choice.reason + ")";
        return choice;
    }
    if (wanted == "host") {
        choice.reason = "--kvm=host, but " + host.why;
        choice.line = "none (" + choice.reason + ")";
        return choice;
    }
    choice.emulated = probe_emulated(arch.arch);
    std::string reason = wanted == "emulated" ? "forced with --kvm=emulated" : "no usable /dev/kvm here: " + host.why;
    if (choice.emulated.available) {
        choice.backend = Backend::emulated;
        choice.reason = reason;
        choice.line = emulated_line(arch, reason);
    } else {
        choice.reason = reason + "; emulated KVM unavailable: " + choice.emulated.why;
        choice.line = "none (" + choice.reason + ")";
    }
    return choice;
}

// A nic whose host_ip subnet this host already uses elsewhere could never be reached: refused
// before any test runs (one line each). True when the run must stop.
bool refuse_subnet_collisions(const Suite& suite) {
    std::vector<InterfaceAddress> addresses;
    try {
        addresses = host_ipv4_addresses();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skiff-test: not checking host_ip subnets: %s\n", e.what());
        return false;
    }
    const auto problems = subnet_collisions(suite, addresses);
    for (const auto& line : problems) std::fprintf(stderr, "skiff-test: %s\n", line.c_str());
    return !problems.empty();
}

// --arch, else the images' architecture (read from their ELF headers), else this machine's.
// nullopt after saying why when there is none (images of both architectures).
std::optional<TestArch> test_arch(const Options& options, const Suite& suite, const fs::path& image_dir) {
    std::vector<ImageArch> images;
    for (const auto& test : suite.tests) images.push_back({test.name, elf_arch(image_dir / test.image)});
    const std::optional<HostArch> forced = options.arch.empty() ? std::nullopt : parse_arch(options.arch);
    const ArchChoice choice = choose_emulated_arch(forced, images, this_machine_arch());
    if (!choice.arch) {
        std::fprintf(stderr, "skiff-test: %s\n", choice.error.c_str());
        return std::nullopt;
    }
    TestArch arch{*choice.arch, {}};
    if (forced || arch.arch != this_machine_arch())
        arch.note = "; " + std::string(arch_name(arch.arch)) + " host (" + choice.why + ")";
    return arch;
}

// The skiff-test to run inside the emulated host, and a check that skiff can run there too.
std::optional<fs::path> emulated_runner(const Options& options, const std::string& skiff, HostArch arch) {
    const RunnerChoice runner =
        choose_runner(arch, this_machine_arch(), options.runner, fs::read_symlink("/proc/self/exe"), skiff);
    std::string problem = runner.error.empty() ? wrong_arch_problem(skiff, arch, "--skiff") : runner.error;
    if (problem.empty()) return runner.path;
    std::fprintf(stderr, "skiff-test: %s\n", problem.c_str());
    return std::nullopt;
}

int run(const Options& options) {
    Suite suite = load_suite(options.file);
    if (!options.filter.empty()) suite = filter_suite(suite, options.filter);
    auto skiff = resolve_skiff(options);
    if (!skiff) {
        std::fprintf(stderr, "skiff-test: %s\n",
                     options.skiff.empty() ? "cannot find skiff next to skiff-test or on PATH (use --skiff PATH)"
                                           : (options.skiff + ": not an executable file (--skiff)").c_str());
        return exit_usage;
    }
    fs::path image_dir =
        options.image_dir.empty() ? fs::absolute(options.file).parent_path() : fs::absolute(options.image_dir);
    std::vector<TestResult> results;
    const auto start = std::chrono::steady_clock::now();
    auto report = [&](const TestResult& result) {
        results.push_back(result);
        std::string text = options.emit_markers ? encode_result_marker(console_sized(result)) + "\n"
                                                : progress_text(result, options.verbose);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    };

    // With --kvm=host only this machine's KVM matters: images it cannot run fail one by one.
    std::optional<TestArch> arch = options.kvm == "host" ? TestArch{} : test_arch(options, suite, image_dir);
    if (!arch) return exit_usage;
    // A test whose "arch" excludes the architecture of this run is neither run nor skipped nor passed.
    ArchSplit split = leave_out_other_architectures(suite, std::string(arch_name(arch->arch)));
    suite = std::move(split.kept);
    if (split.left_out > 0 && !options.emit_markers)
        std::printf("skiff-test: %zu %s for other architectures (left out)\n", split.left_out,
                    split.left_out == 1 ? "test is" : "tests are");
    Choice choice = choose_backend(options.kvm, *skiff, !suite.tests.empty(), *arch);
    std::optional<fs::path> runner;
    if (choice.backend == Backend::emulated && !(runner = emulated_runner(options, *skiff, arch->arch)))
        return exit_usage;
    if (!options.emit_markers) std::printf("skiff-test: backend: %s\n", choice.line.c_str());
    std::fflush(stdout);
    bool no_backend = choice.backend == Backend::none;
    std::string skip_reason = "no KVM backend (" + choice.reason + ")";
    auto not_reported = [&] {
        std::set<std::string> done;
        for (const auto& result : results) done.insert(result.name);
        std::vector<const TestSpec*> rest;
        for (const auto& test : suite.tests)
            if (!done.count(test.name)) rest.push_back(&test);
        return rest;
    };
    bool on_host = choice.backend == Backend::host;
    if (choice.backend == Backend::emulated) {
        EmulatedRun run = run_emulated(suite, EmulatedSettings{*skiff, *runner, arch->arch, image_dir, options.verbose},
                                       choice.emulated, report);
        if (!run.backend_worked && choice.host_works) {
            // --kvm=auto preferred the emulated host to a slow host KVM; a slow one still runs them.
            std::printf("skiff-test: backend: host KVM (the emulated host failed: %s)\n", run.why.c_str());
            on_host = true;
        } else if (!run.backend_worked) {
            no_backend = true;
            skip_reason = "no KVM backend (" + run.why + ")";
            std::printf("skiff-test: backend: none (%s)\n", run.why.c_str());
        }
    }
    if (on_host) {
        // The tests run one after another, so only a test's own taps are up together (parse_suite
        // checked those); each must still stay clear of the subnets this host already has.
        if (refuse_subnet_collisions(suite)) return exit_usage;
        for (const TestSpec* test : not_reported()) {
            throw_if_stopped();
            report(run_on_host(*test, HostSettings{*skiff, image_dir}));
        }
    }
    if (no_backend)
        for (const TestSpec* test : not_reported()) report(skipped(test->name, skip_reason));

    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Tally counts = tally(results);
    if (!options.emit_markers) std::printf("%s\n", summary_line(counts).c_str());
    if (!options.junit.empty()) {
        std::ofstream out(options.junit, std::ios::binary | std::ios::trunc);
        out << junit_xml(results, "skiff-test", seconds);
        if (!out.flush()) {
            std::fprintf(stderr, "skiff-test: %s: cannot write the JUnit report\n", options.junit.c_str());
            return exit_usage;
        }
    }
    if (counts.failed > 0) return 1;
    if (options.fail_on_skip && counts.skipped > 0) {
        const std::string kind = on_host ? "host" : choice.backend == Backend::emulated ? "emulated" : "none";
        const AllowedSkips allowed =
            options.allowed_skips.empty() ? AllowedSkips{} : load_allowed_skips(options.allowed_skips, kind);
        int refused = 0;
        for (const auto& result : results)
            if (result.status == Status::skipped && !allowed.allows(result.name)) {
                std::fprintf(stderr, "skiff-test: %s was skipped (%s), and --fail-on-skip allows no skip but %s\n",
                             result.name.c_str(), result.reason.c_str(),
                             options.allowed_skips.empty() ? "none" : ("those in " + options.allowed_skips).c_str());
                ++refused;
            }
        if (refused > 0) return 1;
    }
    if (no_backend && counts.passed == 0 && !suite.tests.empty()) return exit_no_backend;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"skiff-test: run unikernel tests under skiff, on host KVM or an emulated KVM host"};
    app.add_option("--kvm", options.kvm,
                   "auto: host KVM if it works and runs a calibration guest fast enough, else the emulated host; "
                   "host; emulated")
        ->check(CLI::IsMember({"auto", "host", "emulated"}))
        ->capture_default_str();
    app.add_option("--skiff", options.skiff, "the tender (default: next to skiff-test, else on PATH)");
    app.add_option("--image-dir", options.image_dir, "images are relative to this (default: the file's directory)");
    app.add_option("--junit", options.junit, "write a JUnit XML report here");
    app.add_option("--filter", options.filter, "run only tests whose name matches this regex");
    app.add_flag("-v,--verbose", options.verbose, "show every guest's output");
    app.add_flag("--fail-on-skip", options.fail_on_skip,
                 "a skipped test fails the run (exit 1), unless --allowed-skips names it");
    app.add_option(
        "--allowed-skips", options.allowed_skips,
        "the skips --fail-on-skip accepts: lines 'skiff-test:host|emulated NAME REASON' (tests/allowed-skips.txt)");
    app.add_option("--arch", options.arch,
                   "the emulated host's architecture: x86_64 or aarch64 (default: the test images' ELF "
                   "machine, else this machine's)")
        ->check(CLI::IsMember({"x86_64", "aarch64"}));
    app.add_option("--runner", options.runner,
                   "the skiff-test run inside the emulated host (default: this one for this machine's "
                   "architecture; else skiff-test beside --skiff's skiff, then <its dir>/../tools/skiff-test/); "
                   "for another architecture it must be a static build of it");
    app.add_flag("--emit-markers", options.emit_markers, "")->group("");  // used inside the emulated host
    app.add_option("file", options.file, "the expectations file (JSON)")->required();
    app.footer(R"(Exit status:
  0       no test failed
  1       a test failed, or --fail-on-skip refused a skip
  2       usage or input error: bad option, bad expectations file, --filter matching no test, a nic's
          host_ip in a subnet this host already uses, --junit file not writable
  77      nothing could run for lack of a KVM backend (ctest's SKIP_RETURN_CODE)
  128+N   stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP); guests, taps, scratch files removed

Environment it reads:
  SKIFF_TEST_HARNESS            the emulated-kvm scripts (default: installed libexec, else the source tree)
  SKIFF_TEST_CACHE              the emulated host's kernel and initramfs cache
                                (default: $XDG_CACHE_HOME/skiff-test, else $HOME/.cache/skiff-test;
                                the aarch64 host's in its arm64/ subdirectory)
  EMULATED_KVM_CPU, EMULATED_KVM_MEM   QEMU's CPU model (default max; aarch64: max,pauth=off) and
                                memory in MiB (default 1024)
  TMPDIR                        where scratch files (disk images, the emulated host's payload) go
  PATH                          finds skiff (after the one next to skiff-test), qemu-system-x86_64
                                or qemu-system-aarch64, busybox, cpio, apt-get

Environment it sets for a test's host_command:
  SKIFF_TEST_TAP_<nic>          the name of the tap device made for nic <nic>
  SKIFF_TEST_DISK_<disk>        the path of the file made for disk <disk>)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "skiff-test: %s\n", e.what());
        return exit_usage;
    }
    // SIGINT, SIGTERM and SIGHUP unwind the run: every child (and its process group), tap, bridge,
    // emulated host and scratch directory goes with it.
    install_stop_handlers();
    try {
        return run(options);
    } catch (const Interrupted& e) {
        std::fprintf(stderr, "skiff-test: %s; its guests, taps and scratch files are gone\n", e.what());
        return 128 + e.signal();
    } catch (const SpecError& e) {
        std::fprintf(stderr, "skiff-test: %s\n", e.what());
        return exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skiff-test: %s\n", e.what());
        return exit_usage;
    }
}
