// Builds tiny ELF64 images byte by byte, so each test shows exactly what the loader is fed; also
// skiff-test's calibration guest (tools/skiff-test/calibration.cpp). Layout: ELF header at 0, program header table at
// 64, then each segment's data in table order.
#pragma once

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "skiff/abi/manifest.h"
#include "skiff/abi/note.h"

namespace skiff::test {

using Bytes = std::vector<uint8_t>;

inline void append(Bytes& out, const void* data, size_t len) {
    const auto* p = static_cast<const uint8_t*>(data);
    out.insert(out.end(), p, p + len);
}

inline void append_u32(Bytes& out, uint32_t v) {
    append(out, &v, sizeof v);
}

inline void pad_to(Bytes& out, size_t align) {
    while (out.size() % align != 0) out.push_back(0);
}

// A standard ELF note: name and desc each padded to 4 bytes; n_descsz = desc.size().
inline Bytes elf_note(const std::string& name, uint32_t type, const Bytes& desc) {
    Bytes out;
    append_u32(out, static_cast<uint32_t>(name.size() + 1));
    append_u32(out, static_cast<uint32_t>(desc.size()));
    append_u32(out, type);
    append(out, name.c_str(), name.size() + 1);
    pad_to(out, 4);
    out.insert(out.end(), desc.begin(), desc.end());
    pad_to(out, 4);
    return out;
}

// A Solo5 note: the payload starts at note offset `payload_offset` and n_descsz counts the padding
// between the 20-byte header and the payload (docs/guest-abi.md §2.1).
inline Bytes solo5_note(uint32_t type, const Bytes& payload, uint32_t payload_offset) {
    Bytes desc(payload_offset - SKIFF_NOTE_HEADER_SIZE, 0);
    desc.insert(desc.end(), payload.begin(), payload.end());
    return elf_note(SKIFF_NOTE_NAME, type, desc);
}

inline Bytes abi_payload(uint32_t target = SKIFF_ABI_TARGET_HVT, uint32_t version = SKIFF_ABI_VERSION) {
    Bytes out;
    append_u32(out, target);
    append_u32(out, version);
    append_u32(out, 0);
    append_u32(out, 0);
    return out;
}

inline Bytes abi_note(uint32_t target = SKIFF_ABI_TARGET_HVT, uint32_t version = SKIFF_ABI_VERSION) {
    return solo5_note(SKIFF_NOTE_TYPE_ABI, abi_payload(target, version), SKIFF_ABI_NOTE_PAYLOAD_OFFSET);
}

inline skiff_manifest_entry manifest_entry(const std::string& name, uint32_t type) {
    skiff_manifest_entry e;
    std::memset(&e, 0, sizeof e);
    std::memcpy(e.name, name.data(), std::min<size_t>(name.size(), sizeof e.name));
    e.type = type;
    return e;
}

inline skiff_manifest_entry reserved_entry() {
    return manifest_entry("", SKIFF_DEV_RESERVED_FIRST);
}

// The manifest structure (version, entry count, entries); `count` overrides the entry count field.
inline Bytes manifest_payload(const std::vector<skiff_manifest_entry>& entries, uint32_t version = 1,
                              int64_t count = -1) {
    Bytes out;
    append_u32(out, version);
    append_u32(out, count < 0 ? static_cast<uint32_t>(entries.size()) : static_cast<uint32_t>(count));
    for (const skiff_manifest_entry& e : entries) append(out, &e, sizeof e);
    return out;
}

// Entry 0 plus one entry per (name, type).
inline std::vector<skiff_manifest_entry> manifest_entries(
    const std::vector<std::pair<std::string, uint32_t>>& devices) {
    std::vector<skiff_manifest_entry> entries{reserved_entry()};
    for (const auto& [name, type] : devices) entries.push_back(manifest_entry(name, type));
    return entries;
}

inline Bytes manifest_note(const Bytes& payload) {
    return solo5_note(SKIFF_NOTE_TYPE_MANIFEST, payload, SKIFF_MANIFEST_NOTE_PAYLOAD_OFFSET);
}

class ElfBuilder {
  public:
    ElfBuilder() {
        std::memset(&ehdr_, 0, sizeof ehdr_);
        std::memcpy(ehdr_.e_ident, ELFMAG, SELFMAG);
        ehdr_.e_ident[EI_CLASS] = ELFCLASS64;
        ehdr_.e_ident[EI_DATA] = ELFDATA2LSB;
        ehdr_.e_ident[EI_VERSION] = EV_CURRENT;
        ehdr_.e_type = ET_EXEC;
        ehdr_.e_machine = EM_X86_64;
        ehdr_.e_version = EV_CURRENT;
        ehdr_.e_entry = 0x100000;
        ehdr_.e_ehsize = sizeof(Elf64_Ehdr);
        ehdr_.e_phentsize = sizeof(Elf64_Phdr);
    }

    Elf64_Ehdr& ehdr() { return ehdr_; }
    ElfBuilder& entry(uint64_t e) {
        ehdr_.e_entry = e;
        return *this;
    }

    // A PT_LOAD of `filesz` bytes of data (0xCC filler) at `vaddr`; memsz defaults to filesz.
    ElfBuilder& load(uint64_t vaddr, uint64_t filesz, uint32_t flags, uint64_t memsz = 0, uint64_t align = 0x1000) {
        Elf64_Phdr ph = phdr(PT_LOAD, flags);
        ph.p_vaddr = ph.p_paddr = vaddr;
        ph.p_memsz = memsz ? memsz : filesz;
        ph.p_align = align;
        segments_.push_back(Segment{ph, Bytes(filesz, 0xCC)});
        return *this;
    }

    // A PT_LOAD holding exactly `data` at `vaddr`; memsz defaults to its size.
    ElfBuilder& load_bytes(uint64_t vaddr, const Bytes& data, uint32_t flags, uint64_t memsz = 0) {
        load(vaddr, 0, flags, memsz ? memsz : data.size());
        segments_.back().data = data;
        return *this;
    }

    // A PT_NOTE holding `notes` back to back.
    ElfBuilder& notes(const std::vector<Bytes>& notes) {
        Bytes data;
        for (const Bytes& n : notes) data.insert(data.end(), n.begin(), n.end());
        return raw_note(data);
    }

    // A PT_NOTE holding exactly `data`.
    ElfBuilder& raw_note(const Bytes& data) {
        Elf64_Phdr ph = phdr(PT_NOTE, PF_R);
        ph.p_align = 4;
        segments_.push_back(Segment{ph, data});
        return *this;
    }

    // Any other header (p_offset/p_filesz are filled in from `data`).
    ElfBuilder& segment(uint32_t type, uint32_t flags, const Bytes& data = {}) {
        segments_.push_back(Segment{phdr(type, flags), data});
        return *this;
    }

    Bytes build() const {
        Elf64_Ehdr eh = ehdr_;
        eh.e_phoff = sizeof(Elf64_Ehdr);
        eh.e_phnum = static_cast<uint16_t>(segments_.size());
        std::vector<Elf64_Phdr> phdrs;
        Bytes data;
        uint64_t offset = eh.e_phoff + segments_.size() * sizeof(Elf64_Phdr);
        for (const Segment& s : segments_) {
            while (offset % 16 != 0) {
                ++offset;
                data.push_back(0);
            }
            Elf64_Phdr ph = s.ph;
            ph.p_offset = offset;
            ph.p_filesz = s.data.size();
            if (ph.p_type != PT_LOAD) ph.p_memsz = s.data.size();
            phdrs.push_back(ph);
            data.insert(data.end(), s.data.begin(), s.data.end());
            offset += s.data.size();
        }
        Bytes out;
        append(out, &eh, sizeof eh);
        for (const Elf64_Phdr& ph : phdrs) append(out, &ph, sizeof ph);
        out.insert(out.end(), data.begin(), data.end());
        return out;
    }

    // A well-formed hvt unikernel: text at 0x100000, then the ABI and manifest notes in their own
    // PT_NOTE segments.
    static ElfBuilder hvt_image(const std::vector<skiff_manifest_entry>& entries) {
        ElfBuilder b;
        b.load(0x100000, 0x1000, PF_R | PF_X);
        b.notes({abi_note()});
        b.notes({manifest_note(manifest_payload(entries))});
        return b;
    }

    // x86_64 code that halts with status 42 (HALT's arguments built on the stack): an image with it
    // at its entry point runs to a clean end.
    static Bytes halt_42_code() {
        return {0xc7, 0x44, 0x24, 0xc8, 0x2a, 0, 0, 0,  // movl $42, -0x38(%rsp): exit_status
                0x8d, 0x44, 0x24, 0xc0,                 // lea -0x40(%rsp), %eax: the HALT arguments
                0x66, 0xba, 0x08, 0x05,                 // mov $0x508, %dx: HALT's port
                0xef,                                   // out %eax, (%dx)
                0xf4};                                  // hlt: never reached
    }

  private:
    struct Segment {
        Elf64_Phdr ph;
        Bytes data;
    };

    static Elf64_Phdr phdr(uint32_t type, uint32_t flags) {
        Elf64_Phdr ph;
        std::memset(&ph, 0, sizeof ph);
        ph.p_type = type;
        ph.p_flags = flags;
        return ph;
    }

    Elf64_Ehdr ehdr_;
    std::vector<Segment> segments_;
};

// Edits program header `index` of a built image in place.
template <typename F>
void edit_phdr(Bytes& image, size_t index, F edit) {
    Elf64_Phdr ph;
    const size_t at = sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr);
    std::memcpy(&ph, image.data() + at, sizeof ph);
    edit(ph);
    std::memcpy(image.data() + at, &ph, sizeof ph);
}

// Program header `index` of a built image.
inline Elf64_Phdr read_phdr(const Bytes& image, size_t index) {
    Elf64_Phdr ph;
    std::memcpy(&ph, image.data() + sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr), sizeof ph);
    return ph;
}

// Edits the ELF header of a built image in place.
template <typename F>
void edit_ehdr(Bytes& image, F edit) {
    Elf64_Ehdr eh;
    std::memcpy(&eh, image.data(), sizeof eh);
    edit(eh);
    std::memcpy(image.data(), &eh, sizeof eh);
}

}  // namespace skiff::test
