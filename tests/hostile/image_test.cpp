// The hostile image corpus (tests/hostile/image_cases.h) against the real skiff binary: every
// malformed image is refused with exit status 1 and exactly its one error line, before any device
// is opened: the block file bound on the command line is not even opened (inotify), and no tap
// appears.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "image_cases.h"
#include "run_skiff.h"

namespace skiff::hostile {
namespace {

namespace fs = std::filesystem;
constexpr const char* kUnusedTap = "skiffnotap0";

// A scratch directory with the images in one folder and the operator's files in another, which
// is watched: nothing in there may be touched by a refused run.
class CorpusRunner {
  public:
    CorpusRunner() {
        fs::create_directories(images);
        fs::create_directories(host);
        std::ofstream(disk).put('\0');
        fs::resize_file(disk, 4096);
    }

    // Runs skiff on `image` with the usual bindings; returns what happened and what it touched.
    Outcome run(const Bytes& image, const std::string& file, std::vector<std::string>* touched) {
        const fs::path path = images / file;
        write_file(path, image);
        DirectoryWatch watch(host);
        Outcome o = run_skiff({"--mem=" + std::to_string(kCaseMemMiB), "--block:disk=" + disk.string(),
                               std::string("--net:net0=") + kUnusedTap, path.string()});
        *touched = watch.events();
        return o;
    }

    ScratchDir scratch{"hostile-image"};
    fs::path images = scratch.path() / "images";
    fs::path host = scratch.path() / "host";
    fs::path disk = host / "disk.img";
};

class HostileImage : public ::testing::TestWithParam<ImageCase> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(skiff_binary())) << skiff_binary() << " is not built";
        ASSERT_EQ(network_interfaces().count(kUnusedTap), 0u) << "tap " << kUnusedTap << " exists on this host";
    }
    CorpusRunner runner;
};

TEST_P(HostileImage, IsRefusedWithOneLineBeforeAnythingIsOpened) {
    const ImageCase& c = GetParam();
    const fs::path& disk = runner.disk;
    const FileStamp before = stamp(disk);
    std::vector<std::string> touched;
    const Outcome o = runner.run(c.image, c.name + ".elf", &touched);
    const std::string path = (runner.images / (c.name + ".elf")).string();

    EXPECT_FALSE(o.timed_out);
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_EQ(o.err, "skiff: " + path + ": " + c.message + "\n");
    EXPECT_EQ(o.err_lines().size(), 1u) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(touched, std::vector<std::string>{}) << "skiff touched the operator's files";
    EXPECT_EQ(stamp(disk), before);
    EXPECT_EQ(network_interfaces().count(kUnusedTap), 0u) << "skiff created tap " << kUnusedTap;
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileImage, ::testing::ValuesIn(image_cases()),
                         [](const ::testing::TestParamInfo<ImageCase>& info) { return info.param.name; });

// The watch is not blind: a valid image gets as far as opening its block file, which is refused
// for its size (the net module attaches first, so this image declares only the block device).
TEST(HostileImageCorpus, TheWatchSeesTheBlockFileOpenedForAValidImage) {
    CorpusRunner runner;
    const fs::path odd = runner.host / "odd.img";
    write_file(odd, Bytes(1000, 0));
    const fs::path image = runner.images / "block-only.elf";
    write_file(image, test::ElfBuilder::hvt_image(test::manifest_entries({{"disk", kBlock}})).build());
    DirectoryWatch watch(runner.host);
    const Outcome o = run_skiff({"--mem=32", "--block:disk=" + odd.string(), image.string()});
    const auto touched = watch.events();
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_EQ(o.err, "skiff: block device 'disk': size of " + odd.string() +
                         " (1000 bytes) must be a non-zero multiple of the block size (512 bytes)\n");
    EXPECT_NE(std::find(touched.begin(), touched.end(), "OPEN odd.img"), touched.end());
}

// Images larger than what skiff reads: a 600 MiB segment (mostly beyond its file data) is mapped
// with 2 MiB pages and runs; a file padded to 1 GiB is read only where its headers, notes and
// segments are, so it starts at once and costs no memory.
Bytes halting_image(uint64_t text_memsz) {
    ElfBuilder b;
    b.load_bytes(0x100000, ElfBuilder::halt_42_code(), PF_R | PF_X, text_memsz);
    b.notes({test::abi_note()});
    b.notes({test::manifest_note(test::manifest_payload(test::manifest_entries({})))});
    return b.build();
}

TEST(LargeImages, ASegmentOfHundredsOfMiBRuns) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/kvm";
    ScratchDir scratch("large-image");
    const fs::path image = scratch.path() / "large.elf";
    write_file(image, halting_image(600ull << 20));
    const Outcome o = run_skiff({"--mem=1024", image.string()});
    EXPECT_EQ(o.status, 42) << o.err;
    EXPECT_EQ(o.err, "");
}

TEST(LargeImages, AFilePaddedTo1GiBStartsAtOnceInLittleMemory) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/kvm";
    ScratchDir scratch("padded-image");
    const fs::path image = scratch.path() / "padded.elf";
    write_file(image, halting_image(0));
    fs::resize_file(image, 1ull << 30);
    const auto start = std::chrono::steady_clock::now();
    const Outcome o =
        run_program({"prlimit", "--as=" + std::to_string(512ull << 20), skiff_binary(), "--mem=32", image.string()});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(o.status, 42) << o.err;
    EXPECT_LT(o.max_rss_kib, 32 * 1024);
}

TEST(HostileImageCorpus, HasAtLeastFiftyDistinctCases) {
    const auto cases = image_cases();
    EXPECT_GE(cases.size(), 50u);
    std::set<std::string> names;
    std::set<Bytes> images;
    for (const ImageCase& c : cases) {
        EXPECT_TRUE(names.insert(c.name).second) << "duplicate case name " << c.name;
        EXPECT_TRUE(images.insert(c.image).second) << "case " << c.name << " repeats another case's image";
    }
}

// The generator side: writes the corpus as NAME.elf files with expected.txt ("NAME<TAB>message")
// to SKIFF_HOSTILE_CORPUS, or to tests/hostile-corpus in the build tree, for fuzz seeds and by hand.
TEST(HostileImageCorpus, WritesTheCorpusWithItsExpectations) {
    const char* env = std::getenv("SKIFF_HOSTILE_CORPUS");
    const fs::path dir = env ? fs::path(env) : fs::path(SKIFF_BINARY_DIR) / "tests/hostile-corpus";
    fs::create_directories(dir);
    std::ofstream expected(dir / "expected.txt", std::ios::trunc);
    size_t written = 0;
    for (const ImageCase& c : image_cases()) {
        write_file(dir / (c.name + ".elf"), c.image);
        expected << c.name << '\t' << c.message << '\n';
        written += fs::file_size(dir / (c.name + ".elf")) == c.image.size();
    }
    expected.close();
    EXPECT_TRUE(expected.good());
    EXPECT_EQ(written, image_cases().size());
}

}  // namespace
}  // namespace skiff::hostile
