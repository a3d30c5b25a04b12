// Block durability through the real skiff and KVM: a guest writes a pattern to its block device
// and then halts (durability_halt) or faults (durability_fault, status 253). Afterwards the backing
// file holds the pattern, the blocks it did not write are untouched, and (where strace exists) the
// tender called fdatasync on the file before exiting, on both paths.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "run_skiff.h"

namespace skiff::hostile {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kBlockSize = 512;
constexpr uint64_t kBlocks = 128;       // a 64 KiB disk
constexpr uint64_t kPatternBlocks = 8;  // DURABILITY_BLOCKS in tests/guest/durability_pattern.h

// durability_byte() of tests/guest/durability_pattern.h.
uint8_t pattern_byte(uint64_t tag, uint64_t block, uint64_t i) {
    return uint8_t(tag * 31 + block * 7 + i + 0x5A);
}

fs::path guest_image(const std::string& name) {
    return fs::path(SKIFF_BINARY_DIR) / "tests/guest" / (name + ".elf");
}

bool kvm_usable() {
    const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

std::vector<uint8_t> read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Case {
    std::string image;
    int exit_status;
    uint64_t tag;
};
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.image;
}

class Durability : public ::testing::TestWithParam<Case> {
  protected:
    void SetUp() override {
        if (!fs::exists(guest_image(GetParam().image))) GTEST_SKIP() << guest_image(GetParam().image) << " not built";
        if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
        write_file(disk, std::vector<uint8_t>(kBlocks * kBlockSize, 0));
    }

    std::vector<std::string> args() const {
        return {"--mem=32", "--block:storage=" + disk.string(), guest_image(GetParam().image).string(),
                "tag=" + std::to_string(GetParam().tag)};
    }

    void expect_status(const Outcome& o) const {
        EXPECT_FALSE(o.timed_out);
        EXPECT_EQ(o.status, GetParam().exit_status) << o.out << o.err;
        EXPECT_NE(o.out.find("wrote the durability pattern"), std::string::npos) << o.out;
        if (GetParam().exit_status == 253) {
            EXPECT_EQ(o.err_lines().size(), 1u) << o.err;
            EXPECT_TRUE(o.err.starts_with("skiff: guest fault: ")) << o.err;
        }
    }

    ScratchDir scratch{"durability"};
    fs::path disk = scratch.path() / "disk.img";
};

TEST_P(Durability, TheBackingFileHoldsWhatTheGuestWrote) {
    const Outcome o = run_skiff(args(), RunOptions{60000});
    expect_status(o);
    const auto bytes = read_all(disk);
    ASSERT_EQ(bytes.size(), kBlocks * kBlockSize);
    for (uint64_t b = 0; b < kBlocks; ++b) {
        const bool written = b < kPatternBlocks || b == kBlocks - 1;
        for (uint64_t i = 0; i < kBlockSize; ++i) {
            const uint8_t want = written ? pattern_byte(GetParam().tag, b, i) : 0;
            ASSERT_EQ(bytes[b * kBlockSize + i], want) << "block " << b << " byte " << i;
        }
    }
}

TEST_P(Durability, TheTenderSyncsTheFileBeforeItExits) {
    if (!fs::exists("/usr/bin/strace")) GTEST_SKIP() << "strace not installed";
    const fs::path trace = scratch.path() / "trace.txt";
    std::vector<std::string> argv{
        "/usr/bin/strace", "-f",          "-qq", "-e", "trace=openat,fdatasync,exit_group", "-o",
        trace.string(),    skiff_binary()};
    const auto a = args();
    argv.insert(argv.end(), a.begin(), a.end());
    const Outcome o = run_program(argv, RunOptions{60000});
    if (o.err.find("PTRACE") != std::string::npos || o.err.find("ptrace") != std::string::npos)
        GTEST_SKIP() << "ptrace not permitted here: " << o.err;
    expect_status(o);
    std::ifstream in(trace);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The fd skiff opened the disk with, then fdatasync on that fd returning 0, before exit_group.
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(text, m, std::regex("openat\\([^\\n]*" + disk.string() + "\", O_RDWR[^\\n]*= ([0-9]+)")))
        << text;
    const std::string fd = m[1];
    std::smatch sync;
    ASSERT_TRUE(std::regex_search(text, sync, std::regex("fdatasync\\(" + fd + "\\) *= 0\n")))
        << "no fdatasync(" << fd << ") = 0 in the trace:\n"
        << text;
    EXPECT_LT(size_t(sync.position(0)), text.find("exit_group(")) << text;
}

INSTANTIATE_TEST_SUITE_P(Paths, Durability,
                         ::testing::Values(Case{"durability_halt", 0, 1}, Case{"durability_fault", 253, 2}),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.image; });

}  // namespace
}  // namespace skiff::hostile
