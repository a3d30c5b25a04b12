// Runs one test directly against this host's /dev/kvm: set up its fixtures, run skiff with the
// output captured and the timeout enforced, run the host command alongside, evaluate.
#pragma once

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

}  // namespace skiff::test
