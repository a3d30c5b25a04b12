#include "host_backend.h"

#include "child_process.h"
#include "fixtures.h"
#include "scratch_dir.h"

#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>

namespace skiff::test {

using tools::Child;
using tools::Clock;
using tools::ScratchDir;
using tools::wait_for_any;
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The host command starts once the guest had time to come up.
constexpr auto host_command_delay = 200ms;

// Fixtures live as long as the test's run; destroyed in reverse order (taps leave the bridge first).
struct Fixtures {
    std::unique_ptr<ScratchDir> scratch;
    std::unique_ptr<Bridge> bridge;
    std::vector<std::unique_ptr<TapDevice>> taps;
    std::vector<std::string> skiff_options;
    std::vector<std::string> host_env;  // SKIFF_TEST_TAP_<nic>=<tap>, SKIFF_TEST_DISK_<disk>=<file>
};

Fixtures set_up_fixtures(const TestSpec& test) {
    Fixtures fixtures;
    if (!test.disks.empty()) fixtures.scratch = std::make_unique<ScratchDir>();
    for (const auto& disk : test.disks) {
        fs::path file = create_disk_file(fixtures.scratch->path(), disk);
        fixtures.skiff_options.push_back("--block:" + disk.name + "=" + file.string());
        fixtures.host_env.push_back("SKIFF_TEST_DISK_" + disk.name + "=" + file.string());
        if (disk.sector_size)
            fixtures.skiff_options.push_back("--block-sector-size:" + disk.name + "=" +
                                             std::to_string(*disk.sector_size));
    }
    if (test.bridge_nics && !test.nics.empty()) fixtures.bridge = std::make_unique<Bridge>();
    for (const auto& nic : test.nics) {
        fixtures.taps.push_back(std::make_unique<TapDevice>(nic));
        if (fixtures.bridge) fixtures.bridge->add(*fixtures.taps.back());
        fixtures.skiff_options.push_back("--net:" + nic.name + "=" + fixtures.taps.back()->name());
        fixtures.host_env.push_back("SKIFF_TEST_TAP_" + nic.name + "=" + fixtures.taps.back()->name());
    }
    return fixtures;
}

RunOutcome run_guest(const TestSpec& test, const std::vector<std::string>& argv,
                     const std::vector<std::string>& host_env) {
    RunOutcome outcome;
    const auto start = Clock::now();
    const auto deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(test.timeout_s));
    const auto host_command_at = start + host_command_delay;

    Child guest = Child::start(argv);
    std::optional<Child> host;
    auto all_done = [&] { return guest.done() && (!test.host_command || (host && host->done())); };
    while (!all_done()) {
        auto now = Clock::now();
        if (now >= deadline) {
            outcome.timed_out = !guest.done();
            guest.kill_group();
            if (host) host->kill_group();
            break;
        }
        if (test.host_command && !host && now >= host_command_at) {
            tools::ChildOptions options;
            options.env = host_env;
            host.emplace(Child::start({"sh", "-c", *test.host_command}, options));
            outcome.host_command_ran = true;
        }
        std::vector<Child*> children{&guest};
        if (host) children.push_back(&*host);
        auto wake = (test.host_command && !host) ? std::min(deadline, host_command_at) : deadline;
        wait_for_any(children, wake);
    }
    guest.finish();
    outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    outcome.exit_code = guest.exit_code();
    if (!outcome.timed_out) outcome.signal = guest.signal();
    outcome.output = guest.output();
    if (host) {
        host->finish();
        outcome.host_command_exit = host->exit_code();
        outcome.host_command_signal = host->signal();
        outcome.host_command_output = host->output();
    }
    return outcome;
}

}  // namespace

TestResult run_on_host(const TestSpec& test, const HostSettings& settings) {
    for (const auto& need : test.requirements) {
        std::string why = missing_capability(need);
        if (why.empty()) continue;
        std::string reason = "requires " + need;
        reason += ": " + why;
        return skipped(test.name, reason);
    }
    fs::path image = settings.image_dir / test.image;
    if (!fs::is_regular_file(image)) return failed(test.name, "image not found: " + image.string());

    try {
        Fixtures fixtures = set_up_fixtures(test);
        std::vector<std::string> argv{settings.skiff};
        argv.insert(argv.end(), fixtures.skiff_options.begin(), fixtures.skiff_options.end());
        argv.insert(argv.end(), test.skiff_args.begin(), test.skiff_args.end());
        argv.push_back(image.string());
        argv.insert(argv.end(), test.guest_args.begin(), test.guest_args.end());
        return evaluate(test, run_guest(test, argv, fixtures.host_env));
    } catch (const tools::Interrupted&) {
        throw;
    } catch (const std::exception& e) {
        return failed(test.name, std::string("set-up failed: ") + e.what());
    }
}

Calibration run_calibration(const std::string& skiff) {
    ScratchDir scratch;
    const fs::path image = scratch.path() / "calibration.elf";
    const auto bytes = calibration_image();
    std::ofstream(image, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    const auto limit = std::chrono::milliseconds(long(calibration_timeout_s * 1000));
    const auto start = Clock::now();
    const tools::Completed run =
        tools::run_command({skiff, "--mem=" + std::to_string(calibration_mem_mib), image.string()}, limit);
    Calibration measured;
    measured.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (run.timed_out) {
        measured.outcome = Calibration::Outcome::timed_out;
        measured.seconds = calibration_timeout_s;
    } else if (run.status == calibration_exit_status) {
        measured.outcome = Calibration::Outcome::finished;
    } else {
        auto last = last_lines(run.out, 1);
        measured.why = "skiff ended with " + exit_status_text(run.status) + (last.empty() ? "" : ": " + last[0]);
    }
    return measured;
}

}  // namespace skiff::test
