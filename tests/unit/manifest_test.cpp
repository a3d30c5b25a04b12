// Manifest and ABI notes: decoding and every validation of docs/guest-abi.md §2.2-2.4, plus the stricter
// checks skiff adds (names, duplicates, unknown types).
#include "manifest/manifest.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "elf/elf_image.h"
#include "elf_builder.h"
#include "image_error_of.h"

namespace skiff {
namespace {

using test::Bytes;
using test::ElfBuilder;
using test::error_of;
using Entries = std::vector<skiff_manifest_entry>;

constexpr uint32_t kNet = SKIFF_DEV_NET_BASIC;
constexpr uint32_t kBlock = SKIFF_DEV_BLOCK_BASIC;

std::string parse_error(const Entries& entries) {
    Bytes payload = test::manifest_payload(entries);
    return error_of([&] { parse_manifest(payload); });
}

std::string parse_error(const Bytes& payload) {
    return error_of([&] { parse_manifest(payload); });
}

ElfImage image_of(const ElfBuilder& b) {
    return ElfImage::from_bytes("t.elf", b.build());
}

std::string load_error(const ElfBuilder& b) {
    return error_of([&] { load_manifest(image_of(b)); });
}

// An image with text, then the given PT_NOTE segments.
ElfBuilder image_with_notes(const std::vector<Bytes>& note_segments) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    for (const Bytes& n : note_segments) b.raw_note(n);
    return b;
}

Bytes manifest_note_of(const Entries& entries) {
    return test::manifest_note(test::manifest_payload(entries));
}

// A manifest note whose n_descsz field is replaced by `descsz`.
Bytes with_descsz(Bytes note, uint32_t descsz) {
    std::memcpy(note.data() + 4, &descsz, 4);
    return note;
}

TEST(Manifest, ParsesReservedEntryAlone) {
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries({})));
    EXPECT_TRUE(m.devices.empty());
    EXPECT_EQ(m.entries.size(), 1u);
    EXPECT_FALSE(m.declares(DeviceType::Net));
    EXPECT_FALSE(m.declares(DeviceType::Block));
}

TEST(Manifest, ParsesOneDevice) {
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries({{"service", kNet}})));
    ASSERT_EQ(m.devices.size(), 1u);
    EXPECT_EQ(m.devices[0].name, "service");
    EXPECT_EQ(m.devices[0].type, DeviceType::Net);
    EXPECT_EQ(m.devices[0].handle, 1u);
    EXPECT_TRUE(m.declares(DeviceType::Net));
    EXPECT_FALSE(m.declares(DeviceType::Block));
}

TEST(Manifest, ParsesTwoDevicesWithHandlesInEntryOrder) {
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries({{"disk", kBlock}, {"net0", kNet}})));
    ASSERT_EQ(m.devices.size(), 2u);
    EXPECT_EQ(m.find("disk", DeviceType::Block)->handle, 1u);
    EXPECT_EQ(m.find("net0", DeviceType::Net)->handle, 2u);
    EXPECT_EQ(m.find("disk", DeviceType::Net), nullptr);
    EXPECT_EQ(m.find("nope", DeviceType::Block), nullptr);
}

TEST(Manifest, Parses63Devices) {
    std::vector<std::pair<std::string, uint32_t>> devices;
    for (int i = 0; i < 63; ++i) devices.emplace_back("dev" + std::to_string(i), i % 2 ? kNet : kBlock);
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries(devices)));
    ASSERT_EQ(m.devices.size(), 63u);
    EXPECT_EQ(m.devices[62].name, "dev62");
    EXPECT_EQ(m.devices[62].handle, 63u);
}

TEST(Manifest, AcceptsSameNameWithDifferentTypes) {
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries({{"x", kNet}, {"x", kBlock}})));
    EXPECT_EQ(m.find("x", DeviceType::Net)->handle, 1u);
    EXPECT_EQ(m.find("x", DeviceType::Block)->handle, 2u);
}

TEST(Manifest, AcceptsLongestName) {
    const std::string name(67, 'n');
    Manifest m = parse_manifest(test::manifest_payload(test::manifest_entries({{name, kBlock}})));
    EXPECT_EQ(m.devices[0].name, name);
}

TEST(Manifest, IgnoresEntriesOfReservedTypes) {
    Entries entries = test::manifest_entries({{"a", kNet}});
    entries.push_back(test::manifest_entry("whatever-goes", SKIFF_DEV_RESERVED_FIRST + 5));
    Manifest m = parse_manifest(test::manifest_payload(entries));
    EXPECT_EQ(m.devices.size(), 1u);
    EXPECT_EQ(m.entries.size(), 3u);
}

TEST(Manifest, RejectsTruncatedHeader) {
    EXPECT_EQ(parse_error(Bytes{1, 0, 0, 0, 1, 0, 0}), "invalid manifest: truncated header");
}

TEST(Manifest, RejectsWrongVersion) {
    EXPECT_EQ(parse_error(test::manifest_payload(test::manifest_entries({}), 2)),
              "invalid manifest: unsupported version 2");
}

TEST(Manifest, RejectsZeroEntries) {
    EXPECT_EQ(parse_error(Entries{}), "invalid manifest: no entries (the reserved entry 0 is missing)");
}

TEST(Manifest, RejectsMoreThan64Entries) {
    std::vector<std::pair<std::string, uint32_t>> devices;
    for (int i = 0; i < 64; ++i) devices.emplace_back("d" + std::to_string(i), kNet);
    EXPECT_EQ(parse_error(test::manifest_entries(devices)), "invalid manifest: 65 entries, maximum 64");
    // A huge count must be refused before anything is sized from it.
    EXPECT_EQ(parse_error(test::manifest_payload(test::manifest_entries({}), 1, 0xFFFFFFFF)),
              "invalid manifest: 4294967295 entries, maximum 64");
}

TEST(Manifest, RejectsSizeThatDoesNotMatchEntryCount) {
    EXPECT_EQ(parse_error(test::manifest_payload(test::manifest_entries({{"a", kNet}}), 1, 3)),
              "invalid manifest: size 216 does not match 3 entries");
    Bytes extra = test::manifest_payload(test::manifest_entries({}));
    extra.resize(extra.size() + 8);
    EXPECT_EQ(parse_error(extra), "invalid manifest: size 120 does not match 1 entries");
}

TEST(Manifest, RejectsEntryZeroThatIsNotReserved) {
    EXPECT_EQ(parse_error(Entries{test::manifest_entry("", kNet)}),
              "invalid manifest: entry 0 is not the reserved entry");
    EXPECT_EQ(parse_error(Entries{test::manifest_entry("x", SKIFF_DEV_RESERVED_FIRST)}),
              "invalid manifest: entry 0 is not the reserved entry");
}

TEST(Manifest, RejectsNameWithoutTerminatingNul) {
    Entries entries = test::manifest_entries({{"a", kNet}});
    std::memset(entries[1].name, 'a', sizeof entries[1].name);
    EXPECT_EQ(parse_error(entries), "invalid manifest: manifest entry 1: name is not NUL-terminated");
    Entries reserved = test::manifest_entries({});
    reserved[0].name[67] = 'x';
    EXPECT_EQ(parse_error(reserved), "invalid manifest: manifest entry 0: name is not NUL-terminated");
}

TEST(Manifest, RejectsBadNameCharacters) {
    EXPECT_EQ(parse_error(test::manifest_entries({{"net-0", kNet}})),
              "invalid manifest: manifest entry 1: device name must be 1-67 characters of [A-Za-z0-9]");
    EXPECT_EQ(parse_error(test::manifest_entries({{"ok", kNet}, {"caf\xc3\xa9", kBlock}})),
              "invalid manifest: manifest entry 2: device name must be 1-67 characters of [A-Za-z0-9]");
}

TEST(Manifest, RejectsEmptyName) {
    EXPECT_EQ(parse_error(test::manifest_entries({{"", kBlock}})),
              "invalid manifest: manifest entry 1: device name must be 1-67 characters of [A-Za-z0-9]");
}

TEST(Manifest, RejectsDuplicateNameOfSameType) {
    EXPECT_EQ(parse_error(test::manifest_entries({{"a", kNet}, {"b", kNet}, {"a", kNet}})),
              "invalid manifest: duplicate NET_BASIC device 'a'");
}

TEST(Manifest, RejectsUnknownDeviceType) {
    EXPECT_EQ(parse_error(test::manifest_entries({{"a", 3}})),
              "invalid manifest: manifest entry 1: unknown device type 3");
    EXPECT_EQ(parse_error(test::manifest_entries({{"a", 0}})),
              "invalid manifest: manifest entry 1: unknown device type 0");
}

TEST(Manifest, RejectsAttachedFlagInImage) {
    Entries entries = test::manifest_entries({{"a", kNet}});
    entries[1].attached = 1;
    EXPECT_EQ(parse_error(entries), "invalid manifest: manifest entry 1: attached flag set in the image");
}

TEST(Manifest, DeviceTypeNamesRoundTrip) {
    EXPECT_STREQ(device_type_name(DeviceType::Block), "BLOCK_BASIC");
    EXPECT_STREQ(device_type_name(DeviceType::Net), "NET_BASIC");
    EXPECT_EQ(device_type_from_name("BLOCK_BASIC"), DeviceType::Block);
    EXPECT_EQ(device_type_from_name("NET_BASIC"), DeviceType::Net);
    EXPECT_EQ(device_type_from_name("net_basic"), std::nullopt);
    EXPECT_EQ(device_type_from_name("RESERVED_FIRST"), std::nullopt);
}

TEST(Manifest, ValidDeviceNames) {
    EXPECT_TRUE(is_valid_device_name("a"));
    EXPECT_TRUE(is_valid_device_name("Net0"));
    EXPECT_TRUE(is_valid_device_name(std::string(67, 'z')));
    EXPECT_FALSE(is_valid_device_name(""));
    EXPECT_FALSE(is_valid_device_name(std::string(68, 'z')));
    EXPECT_FALSE(is_valid_device_name("a b"));
    EXPECT_FALSE(is_valid_device_name("a_b"));
    EXPECT_FALSE(is_valid_device_name(std::string("a\0b", 3)));
}

TEST(LoadManifest, LoadsManifestOfWellFormedImage) {
    Manifest m = load_manifest(image_of(ElfBuilder::hvt_image(test::manifest_entries({{"service", kNet}}))));
    ASSERT_EQ(m.devices.size(), 1u);
    EXPECT_EQ(m.devices[0].name, "service");
}

TEST(LoadManifest, FindsNotesThatShareASegmentWithOthers) {
    ElfBuilder b;
    b.load(0x100000, 0x1000, PF_R | PF_X);
    b.notes({test::elf_note("OpenBSD", 1, Bytes(4, 0)), test::abi_note(),
             manifest_note_of(test::manifest_entries({{"d", kBlock}}))});
    EXPECT_EQ(load_manifest(image_of(b)).devices.at(0).name, "d");
}

TEST(LoadManifest, FirstManifestNoteWins) {
    ElfBuilder b = image_with_notes({test::abi_note(), manifest_note_of(test::manifest_entries({{"first", kNet}})),
                                     manifest_note_of(test::manifest_entries({{"second", kNet}}))});
    EXPECT_EQ(load_manifest(image_of(b)).devices.at(0).name, "first");
}

TEST(LoadManifest, RejectsMissingManifestNote) {
    EXPECT_EQ(load_error(image_with_notes({test::abi_note()})), "t.elf: no Solo5 manifest found in executable");
}

TEST(LoadManifest, IgnoresNotesOfOtherOwners) {
    Bytes foreign = test::elf_note("Solo6", SKIFF_NOTE_TYPE_MANIFEST,
                                   Bytes(4 + test::manifest_payload(test::manifest_entries({})).size()));
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), foreign})),
              "t.elf: no Solo5 manifest found in executable");
}

TEST(LoadManifest, RejectsMissingAbiNote) {
    EXPECT_EQ(load_error(image_with_notes({manifest_note_of(test::manifest_entries({}))})),
              "t.elf: no Solo5 ABI note found in executable");
}

TEST(LoadManifest, RejectsWrongAbiTarget) {
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(2), manifest_note_of(test::manifest_entries({}))})),
              "t.elf: executable is not for the hvt target");
}

TEST(LoadManifest, RejectsWrongAbiVersion) {
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(1, 3), manifest_note_of(test::manifest_entries({}))})),
              "t.elf: executable requests unsupported ABI version 3");
}

TEST(LoadManifest, RejectsShortAbiNote) {
    Bytes abi = test::solo5_note(SKIFF_NOTE_TYPE_ABI, Bytes{1, 0, 0, 0}, SKIFF_ABI_NOTE_PAYLOAD_OFFSET);
    EXPECT_EQ(load_error(image_with_notes({abi, manifest_note_of(test::manifest_entries({}))})),
              "t.elf: ABI note too short");
}

TEST(LoadManifest, RejectsDescszBeyondTheSegment) {
    Bytes note = manifest_note_of(test::manifest_entries({}));
    Bytes lying = with_descsz(note, static_cast<uint32_t>(note.size()));  // claims 20 bytes too many
    EXPECT_EQ(error_of([&] {
                  image_of(image_with_notes({test::abi_note(), lying}));
              }),
              "t.elf: segment 2: note does not fall within valid size");
}

TEST(LoadManifest, RejectsDescszThatTruncatesTheManifest) {
    // The note claims 2 entries but n_descsz (and the segment) hold only one.
    Bytes truncated = test::manifest_note(test::manifest_payload(test::manifest_entries({}), 1, 2));
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), truncated})),
              "t.elf: invalid manifest: size 112 does not match 2 entries");
}

TEST(LoadManifest, RejectsDescszNoLargerThanThePadding) {
    Bytes padding_only = test::solo5_note(SKIFF_NOTE_TYPE_MANIFEST, {}, SKIFF_MANIFEST_NOTE_PAYLOAD_OFFSET);
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), padding_only})),
              "t.elf: note does not fall within valid size");
    Bytes empty = test::elf_note(SKIFF_NOTE_NAME, SKIFF_NOTE_TYPE_MANIFEST, {});
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), empty})), "t.elf: note does not fall within valid size");
}

TEST(LoadManifest, RejectsOversizedManifestNote) {
    std::vector<std::pair<std::string, uint32_t>> devices;
    for (int i = 0; i < 64; ++i) devices.emplace_back("d" + std::to_string(i), kNet);
    Bytes note = manifest_note_of(test::manifest_entries(devices));  // descsz 6772 > 6668
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), note})), "t.elf: note does not fall within valid size");
}

TEST(LoadManifest, PrefixesManifestErrorsWithTheImageName) {
    Entries entries = test::manifest_entries({{"a", kNet}});
    entries[1].attached = 1;
    EXPECT_EQ(load_error(image_with_notes({test::abi_note(), manifest_note_of(entries)})),
              "t.elf: invalid manifest: manifest entry 1: attached flag set in the image");
}

TEST(FindManifest, IgnoresTheAbiNote) {
    Bytes manifest = manifest_note_of(test::manifest_entries({{"a", kBlock}}));
    EXPECT_EQ(find_manifest(image_of(image_with_notes({manifest}))).devices.size(), 1u);
    EXPECT_EQ(find_manifest(image_of(image_with_notes({test::abi_note(6, 9), manifest}))).devices.size(), 1u);
}

TEST(LoadAbi, ReportsTargetAndVersion) {
    AbiInfo abi = load_abi(image_of(image_with_notes({test::abi_note(3, 7)})));
    EXPECT_EQ(abi.target, 3u);
    EXPECT_EQ(abi.version, 7u);
}

}  // namespace
}  // namespace skiff
