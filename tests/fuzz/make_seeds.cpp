// Writes the fuzz seed corpus: SEEDS/manifest/* (manifest payloads) and SEEDS/elf_image/* (whole
// images), valid ones and near misses, built with the unit tests' ELF builder.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "elf_builder.h"

namespace {

namespace fs = std::filesystem;
using namespace skiff::test;

constexpr uint32_t kNet = SKIFF_DEV_NET_BASIC;
constexpr uint32_t kBlock = SKIFF_DEV_BLOCK_BASIC;

void write(const fs::path& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error(path.string() + ": write failed");
}

std::vector<skiff_manifest_entry> devices(int n) {
    std::vector<std::pair<std::string, uint32_t>> list;
    for (int i = 0; i < n; ++i) list.emplace_back("dev" + std::to_string(i), i % 2 ? kNet : kBlock);
    return manifest_entries(list);
}

void write_manifest_seeds(const fs::path& dir) {
    for (int n : {0, 1, 2, 63}) write(dir / ("devices" + std::to_string(n)), manifest_payload(devices(n)));
    write(dir / "same-name-two-types", manifest_payload(manifest_entries({{"x", kNet}, {"x", kBlock}})));
    write(dir / "duplicate", manifest_payload(manifest_entries({{"x", kNet}, {"x", kNet}})));
    write(dir / "bad-name", manifest_payload(manifest_entries({{"a-b", kNet}})));
    auto attached = manifest_entries({{"a", kBlock}});
    attached[1].attached = 1;
    write(dir / "attached", manifest_payload(attached));
    auto reserved = manifest_entries({{"a", kBlock}});
    reserved.push_back(manifest_entry("ignored", SKIFF_DEV_RESERVED_FIRST + 1));
    write(dir / "reserved-type", manifest_payload(reserved));
    write(dir / "count-mismatch", manifest_payload(devices(1), 1, 5));
}

void write_elf_seeds(const fs::path& dir) {
    for (int n : {0, 1, 2}) write(dir / ("hvt-devices" + std::to_string(n)), ElfBuilder::hvt_image(devices(n)).build());

    ElfBuilder solo5_shape;  // text, rodata with notes, data, empty TLS, BSS: as Solo5 links
    solo5_shape.load(0x100000, 0x2000, PF_X);
    solo5_shape.load(0x102000, 0x1000, PF_R);
    solo5_shape.load(0x103000, 0x800, PF_R | PF_W, 0x1000);
    solo5_shape.load(0, 0, PF_R);
    solo5_shape.load(0x104000, 0, PF_R | PF_W, 0x201000);
    solo5_shape.notes({elf_note("OpenBSD", 1, Bytes(4, 0))});
    solo5_shape.notes({abi_note()});
    solo5_shape.notes({manifest_note(manifest_payload(devices(2)))});
    write(dir / "solo5-shape", solo5_shape.build());

    ElfBuilder shared;  // both notes in one PT_NOTE
    shared.load(0x100000, 0x1000, PF_R | PF_X);
    shared.notes({abi_note(), manifest_note(manifest_payload(devices(3)))});
    write(dir / "shared-note-segment", shared.build());

    ElfBuilder no_abi;
    no_abi.load(0x100000, 0x1000, PF_R | PF_X);
    no_abi.notes({manifest_note(manifest_payload(devices(1)))});
    write(dir / "no-abi", no_abi.build());

    ElfBuilder wx;
    wx.load(0x100000, 0x1000, PF_R | PF_W | PF_X);
    wx.notes({abi_note()});
    write(dir / "write-exec", wx.build());
}

// A session as gdb begins it, and a few refusals.
void write_gdb_seeds(const fs::path& dir) {
    const auto packet = [](const std::string& payload) {
        unsigned sum = 0;
        for (char c : payload) sum += uint8_t(c);
        char cs[3];
        std::snprintf(cs, sizeof cs, "%02x", sum & 0xff);
        return "$" + payload + "#" + cs;
    };
    std::string session = "+";
    for (const char* p : {"qSupported:multiprocess+", "?", "g", "m100000,40", "Z0,100010,1", "Z0,100020,1",
                          "Z1,100030,1", "Z0,100040,1", "Z0,100050,1", "M100004,2:cccc", "z0,100050,1", "s", "c"})
        session += packet(p);
    session += "\x03";
    std::ofstream(dir / "session", std::ios::binary) << session;
    std::ofstream(dir / "escaped", std::ios::binary) << packet("X100000,2:}\x03}\x04") << "$g#00";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SEED_DIR\n", argv[0]);
        return 1;
    }
    try {
        const fs::path root = argv[1];
        fs::create_directories(root / "manifest");
        fs::create_directories(root / "elf_image");
        fs::create_directories(root / "gdb_packets");
        write_gdb_seeds(root / "gdb_packets");
        write_manifest_seeds(root / "manifest");
        write_elf_seeds(root / "elf_image");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skiff_fuzz_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
