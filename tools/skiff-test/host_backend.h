// Runs one test directly against this host's /dev/kvm: set up its fixtures, run skiff with the
// output captured and the timeout enforced, run the host command alongside, evaluate.
#pragma once

#include "calibration.h"
#include "result.h"
#include "spec.h"

#include <filesystem>
#include <string>
#include <vector>

namespace skiff::test {

struct HostSettings {
    std::string skiff;                // the tender to run
    std::filesystem::path image_dir;  // images are relative to this
};

TestResult run_on_host(const TestSpec& test, const HostSettings& settings);

// Times the calibration guest (calibration.h) under `skiff` on this host's KVM, stopping it after
// calibration_timeout_s.
Calibration run_calibration(const std::string& skiff);

}  // namespace skiff::test
