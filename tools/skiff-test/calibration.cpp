#include "calibration.h"

#include "skiff/abi/manifest.h"
#include "skiff/abi/note.h"

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace skiff::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t text_address = 0x100000;  // the lowest load address (docs/guest-abi.md §1.2)
constexpr std::uint32_t read_from = 0x200000;     // free guest memory: above the text, below the stack

template <typename T>
void put(Bytes& out, const T& value) {
    const std::size_t at = out.size();
    out.resize(at + sizeof value);
    std::memcpy(out.data() + at, &value, sizeof value);
}

void put_u32(Bytes& out, std::uint32_t value) {
    put(out, value);
}

// The guest's code: sum `bytes` bytes from read_from into %al, then HALT (port 0x500 + 8) with a
// pointer to {cookie 0, exit_status 42} built below the stack pointer (the stack starts zeroed).
Bytes guest_code(std::uint32_t bytes) {
    Bytes code = {0xbe};  // mov $read_from, %esi
    put_u32(code, read_from);
    code.push_back(0xb9);  // mov $bytes, %ecx
    put_u32(code, bytes);
    const Bytes rest = {
        0x31, 0xc0,                                                // xor %eax, %eax
        0x02, 0x06,                                                // loop: add (%rsi), %al
        0x48, 0xff, 0xc6,                                          // inc %rsi
        0xff, 0xc9,                                                // dec %ecx
        0x75, 0xf7,                                                // jnz loop (9 bytes back)
        0xc7, 0x44, 0x24, 0xc8, calibration_exit_status, 0, 0, 0,  // movl $42, -0x38(%rsp): exit_status
        0x8d, 0x44, 0x24, 0xc0,                                    // lea -0x40(%rsp), %eax: HALT's argument
        0x66, 0xba, 0x08, 0x05,                                    // mov $0x508, %dx
        0xef,                                                      // out %eax, (%dx)
        0xf4,                                                      // hlt: never reached
    };
    code.insert(code.end(), rest.begin(), rest.end());
    return code;
}

// A Solo5 note: header, "Solo5" padded to 8, zero padding up to `payload_offset`, the payload.
// n_descsz counts that padding (docs/guest-abi.md §2.1).
Bytes solo5_note(std::uint32_t type, std::uint32_t payload_offset, const Bytes& payload) {
    Bytes note;
    put_u32(note, SKIFF_NOTE_NAMESZ);
    put_u32(note, std::uint32_t(payload_offset - SKIFF_NOTE_HEADER_SIZE + payload.size()));
    put_u32(note, type);
    char name[8] = {};
    std::memcpy(name, SKIFF_NOTE_NAME, sizeof SKIFF_NOTE_NAME);
    put(note, name);
    note.resize(payload_offset, 0);
    note.insert(note.end(), payload.begin(), payload.end());
    return note;
}

Bytes abi_note() {
    skiff_abi_info info{};
    info.abi_target = SKIFF_ABI_TARGET_HVT;
    info.abi_version = SKIFF_ABI_VERSION;
    Bytes payload;
    put(payload, info);
    return solo5_note(SKIFF_NOTE_TYPE_ABI, SKIFF_ABI_NOTE_PAYLOAD_OFFSET, payload);
}

// A manifest with the reserved entry 0 only: no devices.
Bytes manifest_note() {
    Bytes payload;
    put_u32(payload, SKIFF_MANIFEST_VERSION);
    put_u32(payload, 1);
    skiff_manifest_entry reserved;
    std::memset(&reserved, 0, sizeof reserved);
    reserved.type = SKIFF_DEV_RESERVED_FIRST;
    put(payload, reserved);
    return solo5_note(SKIFF_NOTE_TYPE_MANIFEST, SKIFF_MANIFEST_NOTE_PAYLOAD_OFFSET, payload);
}

}  // namespace

Bytes calibration_image(std::uint32_t bytes) {
    if (bytes == 0 || bytes > calibration_bytes) throw std::invalid_argument("calibration_image: 1 byte to 2 MiB");
    struct Part {
        std::uint32_t type, flags;
        std::uint64_t align;
        Bytes data;
    };
    const Part parts[] = {{PT_LOAD, PF_R | PF_X, 0x1000, guest_code(bytes)},
                          {PT_NOTE, PF_R, 4, abi_note()},
                          {PT_NOTE, PF_R, 8, manifest_note()}};
    constexpr std::size_t count = sizeof parts / sizeof parts[0];

    Elf64_Ehdr header;
    std::memset(&header, 0, sizeof header);
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_EXEC;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_entry = text_address;
    header.e_phoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = count;

    // Layout: ELF header, program headers, then each part's data at a 16-byte aligned offset.
    Bytes image;
    put(image, header);
    Bytes data;
    std::uint64_t offset = sizeof(Elf64_Ehdr) + count * sizeof(Elf64_Phdr);
    for (const Part& part : parts) {
        while (offset % 16 != 0) {
            data.push_back(0);
            ++offset;
        }
        Elf64_Phdr ph;
        std::memset(&ph, 0, sizeof ph);
        ph.p_type = part.type;
        ph.p_flags = part.flags;
        ph.p_offset = offset;
        ph.p_vaddr = ph.p_paddr = part.type == PT_LOAD ? text_address : 0;
        ph.p_filesz = ph.p_memsz = part.data.size();
        ph.p_align = part.align;
        put(image, ph);
        data.insert(data.end(), part.data.begin(), part.data.end());
        offset += part.data.size();
    }
    image.insert(image.end(), data.begin(), data.end());
    return image;
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
