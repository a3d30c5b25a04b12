// --kvm=auto's calibration guest (an image skiff's own loader accepts) and the choice it feeds.
#include "calibration.h"

#include "elf/elf_image.h"
#include "manifest/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace {

using skiff::test::Calibration;
using skiff::test::calibration_image;
using skiff::test::decide_auto;

TEST(SkiffTestCalibration, IsAnHvtImageWithoutDevices) {
    auto image = skiff::ElfImage::from_bytes("calibration.elf", calibration_image());
    EXPECT_EQ(image.entry(), 0x100000u);
    ASSERT_EQ(image.segments().size(), 1u);
    EXPECT_EQ(image.segments()[0].flags, skiff::kSegmentRead | skiff::kSegmentExec);
    const skiff::Manifest manifest = skiff::load_manifest(image);
    EXPECT_TRUE(manifest.devices.empty());
    // It fits the memory it is run with, and reads [2 MiB, 4 MiB): above its text, up to the stack.
    const auto plan = image.plan(std::uint64_t(skiff::test::calibration_mem_mib) << 20);
    EXPECT_EQ(plan.entry, 0x100000u);
    EXPECT_LE(plan.kernel_end, 0x200000u);
}

TEST(SkiffTestCalibration, CarriesTheLoopCountInItsCode) {
    auto contains = [](const std::vector<std::uint8_t>& image, std::uint32_t value) {
        std::uint8_t pattern[5] = {0xb9};  // mov $value, %ecx
        std::memcpy(pattern + 1, &value, 4);
        return std::search(image.begin(), image.end(), pattern, pattern + 5) != image.end();
    };
    EXPECT_TRUE(contains(calibration_image(), skiff::test::calibration_bytes));
    EXPECT_TRUE(contains(calibration_image(4096), 4096));
    EXPECT_THROW(calibration_image(0), std::invalid_argument);
    EXPECT_THROW(calibration_image(skiff::test::calibration_bytes + 1), std::invalid_argument);
}

Calibration measured(Calibration::Outcome outcome, double seconds, std::string why = "") {
    Calibration result;
    result.outcome = outcome;
    result.seconds = seconds;
    result.why = std::move(why);
    return result;
}

TEST(SkiffTestCalibration, NativeSpeedKvmKeepsTheHost) {
    auto decision = decide_auto(measured(Calibration::Outcome::finished, 0.004));
    EXPECT_FALSE(decision.use_emulated);
    EXPECT_EQ(decision.reason,
              "--kvm=auto: host KVM ran the calibration guest in 4 ms (hardware KVM: ~5 ms; inside the emulated "
              "host: ~300 ms); using host KVM (force with --kvm=emulated)");
    // Nested KVM on a busy machine, or the emulated host's own speed: still well below the threshold.
    EXPECT_FALSE(decide_auto(measured(Calibration::Outcome::finished, 0.3)).use_emulated);
    EXPECT_FALSE(
        decide_auto(measured(Calibration::Outcome::finished, skiff::test::calibration_threshold_s)).use_emulated);
}

TEST(SkiffTestCalibration, SoftwareKvmPrefersTheEmulatedHost) {
    auto decision = decide_auto(measured(Calibration::Outcome::finished, 1.5));
    EXPECT_TRUE(decision.use_emulated);
    EXPECT_EQ(decision.reason,
              "--kvm=auto: host KVM ran the calibration guest in 1.50 s (hardware KVM: ~5 ms; inside the emulated "
              "host: ~300 ms); using the emulated host (force with --kvm=host)");
    // kvm-pvm: cut off at the limit, which is evidence enough.
    decision = decide_auto(measured(Calibration::Outcome::timed_out, skiff::test::calibration_timeout_s));
    EXPECT_TRUE(decision.use_emulated);
    EXPECT_EQ(decision.reason,
              "--kvm=auto: host KVM had not finished the calibration guest after 2.00 s (hardware KVM: ~5 ms; "
              "inside the emulated host: ~300 ms); using the emulated host (force with --kvm=host)");
}

TEST(SkiffTestCalibration, AFailedCalibrationKeepsTheHost) {
    auto decision = decide_auto(measured(Calibration::Outcome::failed, 0.01, "skiff ended with status 1: no KVM"));
    EXPECT_FALSE(decision.use_emulated);
    EXPECT_EQ(decision.reason,
              "--kvm=auto: the calibration guest failed under host KVM (skiff ended with status 1: no KVM); using "
              "host KVM (force with --kvm=emulated)");
}

TEST(SkiffTestCalibration, WritesDurationsForPeople) {
    EXPECT_EQ(skiff::test::human_duration(7.4), "7.40 s");
    EXPECT_EQ(skiff::test::human_duration(0.0123), "12 ms");
    EXPECT_EQ(skiff::test::human_duration(0.00085), "850 us");
}

}  // namespace
