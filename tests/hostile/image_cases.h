// The hostile image corpus: malformed unikernel images, each with the one error line skiff must
// print for it. Built byte by byte with the unit tests' ELF builder, so every case shows exactly
// which field lies. Every image declares (or tries to declare) block device "disk" and net device
// "net0", so the runner can bind an existing file and an unused tap name and prove neither is touched.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "elf/elf_image.h"
#include "elf_builder.h"
#include "skiff/abi/boot.h"

namespace skiff::hostile {

using test::Bytes;
using test::ElfBuilder;

struct ImageCase {
    std::string name;
    Bytes image;
    std::string message;  // what follows "skiff: IMAGE: " on the single stderr line
};

// gtest names a failing case by this, instead of dumping its bytes.
inline void PrintTo(const ImageCase& c, std::ostream* os) {
    *os << c.name;
}

inline constexpr uint32_t kBlock = SKIFF_DEV_BLOCK_BASIC;
inline constexpr uint32_t kNet = SKIFF_DEV_NET_BASIC;
inline constexpr uint64_t kCaseMemMiB = 32;  // the --mem the runner passes

inline std::vector<skiff_manifest_entry> usual_entries() {
    return test::manifest_entries({{"disk", kBlock}, {"net0", kNet}});
}

// A well-formed image: text at 1 MiB, ABI note, manifest note.
inline ElfBuilder valid_builder() {
    return ElfBuilder::hvt_image(usual_entries());
}
inline Bytes valid_image() {
    return valid_builder().build();
}

// The valid image with manifest payload `payload`.
inline Bytes with_manifest(const Bytes& payload) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.notes({test::abi_note()});
    b.notes({test::manifest_note(payload)});
    return b.build();
}

inline Bytes with_entries(const std::vector<skiff_manifest_entry>& entries) {
    return with_manifest(test::manifest_payload(entries));
}

// The valid image with the ABI note payload replaced (target, version).
inline Bytes with_abi(uint32_t target, uint32_t version) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.notes({test::abi_note(target, version)});
    b.notes({test::manifest_note(test::manifest_payload(usual_entries()))});
    return b.build();
}

// The usual notes after the given loads.
inline Bytes with_loads(void (*add_loads)(ElfBuilder&), uint64_t entry = 0x100000) {
    ElfBuilder b;
    add_loads(b);
    b.entry(entry);
    b.notes({test::abi_note()});
    b.notes({test::manifest_note(test::manifest_payload(usual_entries()))});
    return b.build();
}

template <typename F>
Bytes edited_ehdr(F edit) {
    Bytes image = valid_image();
    test::edit_ehdr(image, edit);
    return image;
}

template <typename F>
Bytes edited_phdr(size_t index, F edit) {
    Bytes image = valid_image();
    test::edit_phdr(image, index, edit);
    return image;
}

// A note whose header fields are given raw, to tell lies about sizes.
inline Bytes raw_note(uint32_t namesz, uint32_t descsz, uint32_t type, const Bytes& body) {
    Bytes out;
    test::append_u32(out, namesz);
    test::append_u32(out, descsz);
    test::append_u32(out, type);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

inline Bytes solo5_name() {
    return Bytes{'S', 'o', 'l', 'o', '5', 0, 0, 0};
}

inline Bytes with_raw_notes(const std::vector<Bytes>& notes) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    for (const Bytes& n : notes) b.raw_note(n);
    return b.build();
}

inline skiff_manifest_entry entry(const std::string& name, uint32_t type) {
    return test::manifest_entry(name, type);
}

inline std::vector<ImageCase> image_cases() {
    std::vector<ImageCase> c;
    auto add = [&](std::string name, Bytes image, std::string message) {
        c.push_back(ImageCase{std::move(name), std::move(image), std::move(message)});
    };
    const Bytes valid = valid_image();

    // --- the file and the ELF header ---
    add("empty_file", {}, "not an ELF file (too short)");
    add("truncated_ehdr", Bytes(valid.begin(), valid.begin() + 63), "not an ELF file (too short)");
    add("bad_magic", edited_ehdr([](Elf64_Ehdr& h) { h.e_ident[EI_MAG1] = 'X'; }), "not an ELF file");
    add("text_file", Bytes(100, 'a'), "not an ELF file");
    add("elf32", edited_ehdr([](Elf64_Ehdr& h) { h.e_ident[EI_CLASS] = ELFCLASS32; }), "not a 64-bit ELF file");
    add("class_none", edited_ehdr([](Elf64_Ehdr& h) { h.e_ident[EI_CLASS] = ELFCLASSNONE; }), "not an ELF file");
    add("big_endian", edited_ehdr([](Elf64_Ehdr& h) { h.e_ident[EI_DATA] = ELFDATA2MSB; }),
        "not a little-endian ELF file");
    add("elf_version_0", edited_ehdr([](Elf64_Ehdr& h) { h.e_version = EV_NONE; }), "unsupported ELF version");
    add("machine_aarch64", edited_ehdr([](Elf64_Ehdr& h) { h.e_machine = EM_AARCH64; }),
        "an aarch64 executable; this skiff runs x86_64 ones");
    add("machine_i386", edited_ehdr([](Elf64_Ehdr& h) { h.e_machine = EM_386; }),
        "not an x86_64 or aarch64 executable (e_machine 3)");
    add("pie", edited_ehdr([](Elf64_Ehdr& h) { h.e_type = ET_DYN; }),
        "is position-independent (ET_DYN); link it static with -no-pie");
    add("relocatable", edited_ehdr([](Elf64_Ehdr& h) { h.e_type = ET_REL; }), "not an executable (e_type 1)");
    add("core_file", edited_ehdr([](Elf64_Ehdr& h) { h.e_type = ET_CORE; }), "not an executable (e_type 4)");
    add("ehsize_lie", edited_ehdr([](Elf64_Ehdr& h) { h.e_ehsize = 52; }), "malformed ELF header sizes");
    add("phentsize_lie", edited_ehdr([](Elf64_Ehdr& h) { h.e_phentsize = 32; }), "malformed ELF header sizes");
    add("no_program_headers", edited_ehdr([](Elf64_Ehdr& h) { h.e_phnum = 0; }), "has no program headers");
    add("phoff_past_end", edited_ehdr([](Elf64_Ehdr& h) { h.e_phoff = 1u << 20; }),
        "program header table lies outside the file");
    add("phnum_past_end", edited_ehdr([](Elf64_Ehdr& h) { h.e_phnum = 0xFFFF; }),
        "program header table lies outside the file");
    add("phoff_wraps", edited_ehdr([](Elf64_Ehdr& h) { h.e_phoff = ~uint64_t{0} - 8; }),
        "program header table lies outside the file");
    add("truncated_phdrs", Bytes(valid.begin(), valid.begin() + 64 + 56 + 20),
        "program header table lies outside the file");

    // --- program headers ---
    add(
        "dynamic_segment",
        [] {
            ElfBuilder b = valid_builder();
            b.segment(PT_DYNAMIC, PF_R, Bytes(16, 0));
            return b.build();
        }(),
        "is dynamically linked (PT_DYNAMIC); link it static");
    add("load_data_past_end", edited_phdr(0, [](Elf64_Phdr& p) { p.p_filesz = 1u << 24; }),
        "segment 0: file data lies outside the file");
    add("load_offset_wraps", edited_phdr(0, [](Elf64_Phdr& p) { p.p_offset = ~uint64_t{0}; }),
        "segment 0: file data lies outside the file");
    add(
        "no_pt_load",
        [] {
            ElfBuilder b;
            b.notes({test::abi_note()});
            b.notes({test::manifest_note(test::manifest_payload(usual_entries()))});
            return b.build();
        }(),
        "has no loadable segment");
    add("only_empty_load", with_loads([](ElfBuilder& b) { b.load(0x100000, 0, PF_R | PF_X, 0x1000); }),
        "has no loadable segment");

    // --- notes ---
    add("note_past_end", edited_phdr(1, [](Elf64_Phdr& p) { p.p_offset = 1u << 24; }),
        "segment 1: note data lies outside the file");
    add("note_too_small", with_raw_notes({Bytes(8, 0)}), "segment 1: note does not fall within valid size");
    add("note_descsz_lie", with_raw_notes({raw_note(6, 0x10000, SKIFF_NOTE_TYPE_ABI, solo5_name())}),
        "segment 1: note does not fall within valid size");
    add("note_namesz_lie", with_raw_notes({raw_note(0x10000, 4, SKIFF_NOTE_TYPE_ABI, solo5_name())}),
        "segment 1: note does not fall within valid size");
    add(
        "note_garbage_tail",
        [] {
            Bytes notes = test::abi_note();
            notes.insert(notes.end(), {1, 2, 3, 4, 5, 6, 7, 8});
            return with_raw_notes({notes});
        }(),
        "segment 1: note does not fall within valid size");
    add(
        "no_notes",
        [] {
            ElfBuilder b;
            b.load(0x100000, 0x1000, PF_R | PF_X);
            return b.build();
        }(),
        "no Solo5 ABI note found in executable");
    add(
        "missing_abi_note",
        [] {
            ElfBuilder b;
            b.load(0x100000, 0x1000, PF_R | PF_X);
            b.notes({test::manifest_note(test::manifest_payload(usual_entries()))});
            return b.build();
        }(),
        "no Solo5 ABI note found in executable");
    add("missing_manifest_note", with_raw_notes({test::abi_note()}), "no Solo5 manifest found in executable");
    add("abi_note_wrong_owner", with_raw_notes({test::elf_note("Solo6", SKIFF_NOTE_TYPE_ABI, Bytes(20, 0))}),
        "no Solo5 ABI note found in executable");
    add("abi_wrong_target", with_abi(2, SKIFF_ABI_VERSION), "executable is not for the hvt target");
    add("abi_target_zero", with_abi(0, SKIFF_ABI_VERSION), "executable is not for the hvt target");
    add("abi_version_1", with_abi(SKIFF_ABI_TARGET_HVT, 1), "executable requests unsupported ABI version 1");
    add("abi_version_huge", with_abi(SKIFF_ABI_TARGET_HVT, 0xFFFFFFFF),
        "executable requests unsupported ABI version 4294967295");
    add("abi_descsz_over_max",
        with_raw_notes({test::elf_note(SKIFF_NOTE_NAME, SKIFF_NOTE_TYPE_ABI, Bytes(SKIFF_ABI_NOTE_MAX_DESCSZ + 4, 0))}),
        "note does not fall within valid size");
    add("abi_descsz_only_padding", with_raw_notes({test::elf_note(SKIFF_NOTE_NAME, SKIFF_NOTE_TYPE_ABI, Bytes{})}),
        "note does not fall within valid size");
    add("abi_payload_short",
        with_raw_notes({test::solo5_note(SKIFF_NOTE_TYPE_ABI, Bytes(4, 1), SKIFF_ABI_NOTE_PAYLOAD_OFFSET)}),
        "ABI note too short");
    add("manifest_descsz_over_max",
        with_raw_notes({test::abi_note(), test::elf_note(SKIFF_NOTE_NAME, SKIFF_NOTE_TYPE_MANIFEST,
                                                         Bytes(SKIFF_MANIFEST_NOTE_MAX_DESCSZ + 4, 0))}),
        "note does not fall within valid size");

    // --- the manifest ---
    add("manifest_truncated_header", with_manifest(Bytes(4, 1)), "invalid manifest: truncated header");
    add("manifest_version_2", with_manifest(test::manifest_payload(usual_entries(), 2)),
        "invalid manifest: unsupported version 2");
    add("manifest_version_0", with_manifest(test::manifest_payload(usual_entries(), 0)),
        "invalid manifest: unsupported version 0");
    add("manifest_no_entries", with_manifest(test::manifest_payload({}, 1, 0)),
        "invalid manifest: no entries (the reserved entry 0 is missing)");
    add("manifest_65_entries", with_manifest(test::manifest_payload(usual_entries(), 1, 65)),
        "invalid manifest: 65 entries, maximum 64");
    add("manifest_entries_max_u32", with_manifest(test::manifest_payload(usual_entries(), 1, 0xFFFFFFFF)),
        "invalid manifest: 4294967295 entries, maximum 64");
    add("manifest_count_lie", with_manifest(test::manifest_payload(usual_entries(), 1, 5)),
        "invalid manifest: size 320 does not match 5 entries");
    add("manifest_count_short", with_manifest(test::manifest_payload(usual_entries(), 1, 2)),
        "invalid manifest: size 320 does not match 2 entries");
    add(
        "name_without_nul",
        [] {
            auto e = usual_entries();
            std::memset(e[1].name, 'a', sizeof e[1].name);
            return with_entries(e);
        }(),
        "invalid manifest: manifest entry 1: name is not NUL-terminated");
    add(
        "entry0_name_without_nul",
        [] {
            auto e = usual_entries();
            std::memset(e[0].name, 'z', sizeof e[0].name);
            return with_entries(e);
        }(),
        "invalid manifest: manifest entry 0: name is not NUL-terminated");
    add(
        "attached_set",
        [] {
            auto e = usual_entries();
            e[2].attached = 1;
            return with_entries(e);
        }(),
        "invalid manifest: manifest entry 2: attached flag set in the image");
    add(
        "entry0_not_reserved",
        [] {
            auto e = usual_entries();
            e[0].type = kBlock;
            return with_entries(e);
        }(),
        "invalid manifest: entry 0 is not the reserved entry");
    add(
        "entry0_named",
        [] {
            auto e = usual_entries();
            e[0] = entry("x", SKIFF_DEV_RESERVED_FIRST);
            return with_entries(e);
        }(),
        "invalid manifest: entry 0 is not the reserved entry");
    add("unknown_type_0", with_entries(test::manifest_entries({{"disk", kBlock}, {"what", 0}})),
        "invalid manifest: manifest entry 2: unknown device type 0");
    add("unknown_type_3", with_entries(test::manifest_entries({{"disk", 3}})),
        "invalid manifest: manifest entry 1: unknown device type 3");
    add("unknown_type_below_reserved", with_entries(test::manifest_entries({{"disk", SKIFF_DEV_RESERVED_FIRST - 1}})),
        "invalid manifest: manifest entry 1: unknown device type 1073741823");
    const std::string bad_name =
        "invalid manifest: manifest entry 1: device name must be 1-67 characters of [A-Za-z0-9]";
    add("name_empty", with_entries(test::manifest_entries({{"", kBlock}})), bad_name);
    add("name_dash", with_entries(test::manifest_entries({{"a-b", kBlock}})), bad_name);
    add("name_space", with_entries(test::manifest_entries({{"a b", kNet}})), bad_name);
    add("name_slash", with_entries(test::manifest_entries({{"../etc", kBlock}})), bad_name);
    add("name_utf8", with_entries(test::manifest_entries({{"d\xC3\xA9v", kNet}})), bad_name);
    add("name_control_char", with_entries(test::manifest_entries({{"a\tb", kBlock}})), bad_name);
    add("duplicate_net", with_entries(test::manifest_entries({{"net0", kNet}, {"net0", kNet}})),
        "invalid manifest: duplicate NET_BASIC device 'net0'");
    add("duplicate_block", with_entries(test::manifest_entries({{"disk", kBlock}, {"net0", kNet}, {"disk", kBlock}})),
        "invalid manifest: duplicate BLOCK_BASIC device 'disk'");

    // --- placing the segments in guest memory (--mem=32) ---
    add("load_below_1mib", with_loads([](ElfBuilder& b) { b.load(0x1000, 0x1000, PF_R | PF_X); }, 0x1000),
        "segment 0 is below the minimum load address 0x100000");
    add("load_at_zero", with_loads([](ElfBuilder& b) { b.load(0, 0x1000, PF_R | PF_X); }),
        "segment 0 is below the minimum load address 0x100000");
    add("loads_out_of_order", with_loads([](ElfBuilder& b) {
            b.load(0x200000, 0x1000, PF_R);
            b.load(0x100000, 0x1000, PF_R | PF_X);
        }),
        "segment 1 is out of order (below segment 0)");
    add("loads_overlap", with_loads([](ElfBuilder& b) {
            b.load(0x100000, 0x2000, PF_R | PF_X);
            b.load(0x101000, 0x1000, PF_R | PF_W);
        }),
        "segment 1 overlaps segment 0");
    add("align_zero", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X, 0, 0); }),
        "segment 0 has an alignment that is not a power of two");
    add("align_three", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X, 0, 3); }),
        "segment 0 has an alignment that is not a power of two");
    add("align_rounds_below_1mib",
        with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X, 0, 0x400000); }),
        "segment 0 is below the minimum load address 0x100000");
    add("not_page_aligned", with_loads([](ElfBuilder& b) { b.load(0x100800, 0x1000, PF_R | PF_X, 0, 16); }, 0x100800),
        "segment 0 is not page-aligned");
    add("load_outside_memory", with_loads([](ElfBuilder& b) { b.load(0x40000000, 0x1000, PF_R | PF_X); }, 0x40000000),
        "segment 0 does not fit in guest memory");
    add("load_straddles_end",
        with_loads([](ElfBuilder& b) { b.load((kCaseMemMiB << 20) - 0x1000, 0x2000, PF_R | PF_X); },
                   (kCaseMemMiB << 20) - 0x1000),
        "segment 0 does not fit in guest memory");
    add("memsz_beyond_memory", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_W, 64ull << 20); }),
        "segment 0 does not fit in guest memory");
    add("memsz_huge", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_W, 1ull << 63); }),
        "segment 0 does not fit in guest memory");
    add("memsz_wraps", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_W, ~uint64_t{0} - 0x10); }),
        "segment 0 does not fit in guest memory");
    add("memsz_below_filesz", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x2000, PF_R | PF_X, 0x1000); }),
        "segment 0 has a memory size smaller than its file size");
    add("vaddr_wraps", with_loads([](ElfBuilder& b) { b.load(~uint64_t{0} - 0xFFF, 0x1000, PF_R | PF_X, 0, 0x1000); }),
        "segment 0 does not fit in guest memory");
    add("write_and_exec", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_W | PF_X); }),
        "segment 0 requests WRITE and EXEC permissions");
    add("write_and_exec_second", with_loads([](ElfBuilder& b) {
            b.load(0x100000, 0x1000, PF_R | PF_X);
            b.load(0x101000, 0x1000, PF_W | PF_X);
        }),
        "segment 1 requests WRITE and EXEC permissions");
    add("entry_outside_memory", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X); }, 64ull << 20),
        "entry point outside guest memory");
    add("entry_zero", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X); }, 0),
        "entry point outside guest memory");
    add("entry_in_low_memory", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X); }, 0x10000),
        "entry point outside guest memory");
    add("entry_max", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X); }, ~uint64_t{0}),
        "entry point outside guest memory");
    add("entry_in_data",
        with_loads(
            [](ElfBuilder& b) {
                b.load(0x100000, 0x1000, PF_R | PF_X);
                b.load(0x101000, 0x1000, PF_R | PF_W);
            },
            0x101000),
        "entry point 0x101000 is not in an executable segment");
    add("entry_past_text", with_loads([](ElfBuilder& b) { b.load(0x100000, 0x1000, PF_R | PF_X); }, 0x101000),
        "entry point 0x101000 is not in an executable segment");
    {
        ElfBuilder b = valid_builder();
        b.raw_note(Bytes(kMaxNoteSegment + 1, 0));
        add("huge_note_segment", b.build(), "segment 3: notes of 65537 bytes (at most 65536)");
    }
    return c;
}

}  // namespace skiff::hostile
