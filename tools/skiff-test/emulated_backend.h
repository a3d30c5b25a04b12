// The emulated KVM backend: boots one Linux guest under QEMU TCG that has a real /dev/kvm inside
// (x86_64: an emulated AMD SVM CPU and kvm_amd; aarch64: QEMU's virt board with EL2), runs
// `skiff-test --kvm=host` in there over the whole list, and streams the results back over the
// serial console. The shell side lives in tools/emulated-kvm.
#pragma once

#include "emulated_arch.h"
#include "result.h"
#include "spec.h"

#include <filesystem>
#include <functional>
#include <string>

namespace skiff::test {

struct EmulatedSettings {
    std::string skiff;             // copied into the guest with its shared libraries
    std::filesystem::path runner;  // the skiff-test copied in (choose_runner)
    HostArch arch = HostArch::x86_64;
    std::filesystem::path image_dir;  // images are relative to this
    bool verbose = false;
};

struct EmulatedAvailability {
    bool available = false;
    std::string why;                // what is missing, when not available
    std::filesystem::path harness;  // the directory holding boot.sh
    std::filesystem::path cache;    // kernel + base initramfs cache (boot.sh adds arm64/ for aarch64)
    HostArch arch = HostArch::x86_64;
};

// Checks the tools an `arch` emulated host needs, without booting anything.
EmulatedAvailability probe_emulated(HostArch arch);

// "emulated KVM (QEMU TCG + nested kvm_amd" and its aarch64 counterpart: the backend line's start.
std::string emulated_backend_label(HostArch arch);

struct EmulatedRun {
    bool backend_worked = false;  // false: the host could not be prepared or had no /dev/kvm
    std::string why;              // when it did not work
};

// Runs `suite` in one boot, handing every result to `sink` as it arrives (tests the host never
// reported are handed over as failures at the end, unless the backend never worked).
EmulatedRun run_emulated(const Suite& suite, const EmulatedSettings& settings, const EmulatedAvailability& where,
                         const std::function<void(const TestResult&)>& sink);

}  // namespace skiff::test
