// --kvm=auto's question: is this host's KVM fast enough that running the tests on it beats booting
// the emulated KVM host? A tiny hvt guest, made here byte by byte, is timed under the real skiff,
// and decide_auto() turns the measurement into a choice (a pure function, unit tested).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace skiff::test {

// What the calibration guest does: reads `bytes` bytes of guest memory from 2 MiB up, one byte at
// a time, then HALTs with calibration_exit_status. Run it with --mem=calibration_mem_mib.
inline constexpr std::uint32_t calibration_bytes = 2u << 20;
inline constexpr int calibration_exit_status = 42;
inline constexpr int calibration_mem_mib = 4;
// The calibration is stopped after this long: a guest this slow already says enough.
inline constexpr double calibration_timeout_s = 2.0;

// A complete ELF64 hvt image (ABI note, manifest with no device) of that guest. `bytes` >= 1 and at
// most 2 MiB (it must stay inside the guest's memory).
std::vector<std::uint8_t> calibration_image(std::uint32_t bytes = calibration_bytes);

// How the calibration run went.
struct Calibration {
    enum class Outcome { finished, timed_out, failed };
    Outcome outcome = Outcome::failed;
    double seconds = 0;  // wall time of the whole skiff run (finished), or the limit (timed_out)
    std::string why;     // failed: what went wrong (skiff's exit status and last line)
};

// Above this calibration time --kvm=auto prefers the emulated host. The numbers behind it
// (calibration guest = 2 Mi iterations of a 4-instruction loop, about 8.4 million instructions;
// times are whole skiff runs):
//   hardware (or hardware-nested) KVM    ~5 ms, estimated: ~1 cycle an iteration plus skiff's start
//                                        (its start alone, with a 1-byte loop, takes 8 ms on kvm-pvm)
//   inside the emulated host             0.29-0.34 s, measured (the loop itself ~40 ms, the rest is
//                                        skiff starting under TCG); plus its boot, 13 s measured on
//                                        the 2-core development machine (5-30 s by load)
//   kvm-pvm (the development machine)    10.9 s measured (1.4 s for 256 KiB): ~1.3 us an instruction
// A guest of the calibration's size (a unikernel's start-up is of that order) therefore costs 1 s
// or more on a host above the threshold against 0.3 s emulated: from about 20 such tests on, the
// emulated boot is earned back, and a single heavier test earns it back alone. Native-speed KVM
// stays two orders of magnitude below the threshold and software KVM one above it, so the exact
// value hardly matters. (The project's own guest suite, tiny C guests, is about even on kvm-pvm:
// 30.5 s on host KVM against 39.3 s emulated; its CTest entry pins --kvm=host.)
inline constexpr double calibration_threshold_s = 1.0;
inline constexpr double hardware_kvm_reference_s = 0.005;
inline constexpr double emulated_reference_s = 0.3;

struct AutoDecision {
    bool use_emulated = false;
    std::string reason;  // one sentence for the backend line, with the measured time
};

// The choice --kvm=auto makes when host KVM works and the emulated host is available.
AutoDecision decide_auto(const Calibration& measured);

// "7.40 s", "12 ms", "850 us": a duration short enough to read at a glance.
std::string human_duration(double seconds);

}  // namespace skiff::test
