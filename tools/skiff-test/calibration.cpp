#include "calibration.h"

#include <cstdio>
#include <stdexcept>

#include "elf_builder.h"

namespace skiff::test {
namespace {

constexpr std::uint64_t text_address = 0x100000;  // the lowest load address (docs/guest-abi.md §1.2)
constexpr std::uint32_t read_from = 0x200000;     // free guest memory: above the text, below the stack

// The guest's code: sum `bytes` bytes from read_from into %al, then HALT with exit status 42 (the
// ELF builder's halting code, which builds HALT's argument below the stack pointer).
Bytes guest_code(std::uint32_t bytes) {
    static_assert(calibration_exit_status == 42, "the halting code exits 42");
    Bytes code = {0xbe};  // mov $read_from, %esi
    append_u32(code, read_from);
    code.push_back(0xb9);  // mov $bytes, %ecx
    append_u32(code, bytes);
    const Bytes loop = {
        0x31, 0xc0,        // xor %eax, %eax
        0x02, 0x06,        // loop: add (%rsi), %al
        0x48, 0xff, 0xc6,  // inc %rsi
        0xff, 0xc9,        // dec %ecx
        0x75, 0xf7,        // jnz loop (9 bytes back)
    };
    // Appended byte by byte: GCC 12 at -O3 mistakes a range insert here for an overflow.
    for (const Bytes& part : {loop, ElfBuilder::halt_42_code()})
        for (std::uint8_t b : part) code.push_back(b);
    return code;
}

}  // namespace

Bytes calibration_image(std::uint32_t bytes) {
    if (bytes == 0 || bytes > calibration_bytes) throw std::invalid_argument("calibration_image: 1 byte to 2 MiB");
    ElfBuilder image;
    image.load_bytes(text_address, guest_code(bytes), PF_R | PF_X);
    image.notes({abi_note()});
    image.notes({manifest_note(manifest_payload({reserved_entry()}))});
    return image.build();
}

std::string human_duration(double seconds) {
    char text[32];
    if (seconds >= 1)
        std::snprintf(text, sizeof text, "%.2f s", seconds);
    else if (seconds >= 1e-3)
        std::snprintf(text, sizeof text, "%.0f ms", seconds * 1e3);
    else
        std::snprintf(text, sizeof text, "%.0f us", seconds * 1e6);
    return text;
}

AutoDecision decide_auto(const Calibration& measured) {
    const std::string references = " (hardware KVM: ~" + human_duration(hardware_kvm_reference_s) +
                                   "; inside the emulated host: ~" + human_duration(emulated_reference_s) + ")";
    AutoDecision decision;
    switch (measured.outcome) {
        case Calibration::Outcome::finished:
            decision.use_emulated = measured.seconds > calibration_threshold_s;
            decision.reason =
                "--kvm=auto: host KVM ran the calibration guest in " + human_duration(measured.seconds) + references;
            break;
        case Calibration::Outcome::timed_out:
            decision.use_emulated = true;
            decision.reason = "--kvm=auto: host KVM had not finished the calibration guest after " +
                              human_duration(measured.seconds) + references;
            break;
        case Calibration::Outcome::failed:
            // Says nothing about speed: keep host KVM, where the tests will show what is wrong.
            decision.reason = "--kvm=auto: the calibration guest failed under host KVM (" + measured.why + ")";
            break;
    }
    decision.reason += decision.use_emulated ? "; using the emulated host (force with --kvm=host)"
                                             : "; using host KVM (force with --kvm=emulated)";
    return decision;
}

}  // namespace skiff::test
