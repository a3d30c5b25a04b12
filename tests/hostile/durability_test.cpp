// Block durability through the real skiff and KVM: a guest writes a pattern to its block device and
// then the run ends every way it can: halt, guest fault, SIGTERM, SIGINT, SIGHUP, a file size limit
// (SIGXFSZ), and with stdout or stderr closed. Afterwards the backing file holds the pattern, the
// blocks it did not write are untouched, skiff said why on one line, and (where strace exists) it
// called fdatasync on the file before exiting. A flush that fails is reported (exit 254).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <regex>

#include "common/error.h"
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

// An strace output file, whole.
std::string trace_text(const fs::path& trace) {
    std::ifstream in(trace);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The fd skiff opened DISK read-write with, as strace wrote it; "" if the trace has no such open.
std::string disk_fd_in(const std::string& text, const fs::path& disk) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex("openat\\([^\\n]*" + disk.string() + "\", O_RDWR[^\\n]*= ([0-9]+)")))
        return "";
    return m[1];
}

bool kvm_usable() {
    const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;
    close(fd);
    return true;
}

// One way a run ends. Every one must leave the pattern on disk, synced, with one line saying why.
struct StopPath {
    enum class How { Runs, Signal, FileSizeLimit, StdoutClosed, StderrClosed, AllClosed };
    std::string name;
    std::string image;
    std::vector<std::string> guest_args;
    How how;
    int signal;              // How::Signal
    int status;              // skiff's exit status
    std::string err_prefix;  // skiff's one line on stderr starts so ("": no line)
};
void PrintTo(const StopPath& c, std::ostream* os) {
    *os << c.name;
}

std::vector<StopPath> stop_paths() {
    using H = StopPath::How;
    return {
        {"halt", "durability_halt", {"tag=1"}, H::Runs, 0, 0, ""},
        {"guest_fault", "durability_fault", {"tag=2"}, H::Runs, 0, 253, "skiff: guest fault: "},
        {"sigterm", "durability_halt", {"tag=3", "then=wait"}, H::Signal, SIGTERM, 143, "skiff: stopped by SIGTERM"},
        {"sigint", "durability_halt", {"tag=4", "then=wait"}, H::Signal, SIGINT, 130, "skiff: stopped by SIGINT"},
        {"sighup", "durability_halt", {"tag=5", "then=wait"}, H::Signal, SIGHUP, 129, "skiff: stopped by SIGHUP"},
        {"sigxfsz",
         "durability_halt",
         {"tag=6", "then=chatter"},
         H::FileSizeLimit,
         0,
         153,
         "skiff: stopped by SIGXFSZ"},
        // With stdout or stderr closed, the disk file must not become fd 1 or 2 and catch the
        // console text or skiff's own line.
        {"stdout_closed", "durability_halt", {"tag=7"}, H::StdoutClosed, 0, 0, ""},
        {"stderr_closed", "durability_fault", {"tag=8"}, H::StderrClosed, 0, 253, ""},
        // All three closed: the image would take fd 0 and the disk fd 1, where the console writes.
        {"all_standard_fds_closed", "durability_halt", {"tag=9", "then=chatter"}, H::AllClosed, 0, 0, ""},
    };
}

class Durability : public ::testing::TestWithParam<StopPath> {
  protected:
    void SetUp() override {
        if (!fs::exists(guest_image(GetParam().image))) GTEST_SKIP() << guest_image(GetParam().image) << " not built";
        if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
        write_file(disk, std::vector<uint8_t>(kBlocks * kBlockSize, 0));
    }

    // skiff's command line, behind `prefix` (strace), inside a shell where the path needs one.
    std::vector<std::string> argv(const std::vector<std::string>& prefix = {}) const {
        std::vector<std::string> a = prefix;
        for (const std::string& s : {skiff_binary(), std::string("--mem=32"), "--block:storage=" + disk.string(),
                                     guest_image(GetParam().image).string()})
            a.push_back(s);
        a.insert(a.end(), GetParam().guest_args.begin(), GetParam().guest_args.end());
        const char* shell = nullptr;
        switch (GetParam().how) {
            case StopPath::How::StdoutClosed: shell = "exec \"$0\" \"$@\" >&-"; break;
            case StopPath::How::StderrClosed: shell = "exec \"$0\" \"$@\" 2>&-"; break;
            case StopPath::How::AllClosed: shell = "exec \"$0\" \"$@\" <&- >&- 2>&-"; break;
            case StopPath::How::FileSizeLimit: shell = "ulimit -f 1024; exec \"$0\" \"$@\" >\"$CONSOLE\""; break;
            default: return a;
        }
        a.insert(a.begin(), {"/bin/sh", "-c", shell});
        return a;
    }

    // Runs the path to its end: a signal is sent once the guest says it waits.
    Outcome run(const std::vector<std::string>& prefix = {}) {
        tools::ChildOptions options;
        options.separate_stderr = true;
        options.env = {"CONSOLE=" + (scratch.path() / "console.txt").string()};
        tools::Child child = tools::Child::start(argv(prefix), options);
        const auto deadline = tools::Clock::now() + std::chrono::seconds(60);
        bool signalled = GetParam().how != StopPath::How::Signal;
        while (!child.done() && tools::Clock::now() < deadline) {
            tools::wait_for_any({&child}, std::min(deadline, tools::Clock::now() + std::chrono::milliseconds(50)));
            if (!signalled && child.output().find("waiting") != std::string::npos) {
                // skiff itself, also when strace runs it as its child.
                kill(prefix.empty() ? child.pid() : first_child_of(child.pid()), GetParam().signal);
                signalled = true;
            }
        }
        Outcome o;
        o.timed_out = !child.done();
        child.kill_group();
        child.finish();
        o.status = child.status();
        o.out = child.output();
        o.err = child.error_output();
        return o;
    }

    static pid_t first_child_of(pid_t pid) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
        pid_t child = -1;
        in >> child;
        return child;
    }

    void expect_ending(const Outcome& o) const {
        EXPECT_FALSE(o.timed_out);
        EXPECT_EQ(o.status, GetParam().status) << o.out << o.err;
        const auto how = GetParam().how;
        if (how != StopPath::How::StdoutClosed && how != StopPath::How::AllClosed &&
            how != StopPath::How::FileSizeLimit) {
            EXPECT_NE(o.out.find("wrote the durability pattern"), std::string::npos) << o.out;
        }
        if (GetParam().err_prefix.empty()) {
            EXPECT_EQ(o.err, "");
        } else {
            EXPECT_EQ(o.err_lines().size(), 1u) << o.err;
            EXPECT_TRUE(o.err.starts_with(GetParam().err_prefix)) << o.err;
        }
    }

    uint64_t tag() const { return uint64_t(GetParam().guest_args[0].back() - '0'); }

    ScratchDir scratch{"durability"};
    fs::path disk = scratch.path() / "disk.img";
};

TEST_P(Durability, TheBackingFileHoldsWhatTheGuestWrote) {
    const Outcome o = run();
    expect_ending(o);
    const auto bytes = read_all(disk);
    ASSERT_EQ(bytes.size(), kBlocks * kBlockSize);
    for (uint64_t b = 0; b < kBlocks; ++b) {
        const bool written = b < kPatternBlocks || b == kBlocks - 1;
        for (uint64_t i = 0; i < kBlockSize; ++i) {
            const uint8_t want = written ? pattern_byte(tag(), b, i) : 0;
            ASSERT_EQ(bytes[b * kBlockSize + i], want) << "block " << b << " byte " << i;
        }
    }
}

TEST_P(Durability, TheTenderSyncsTheFileBeforeItExits) {
    if (!fs::exists("/usr/bin/strace")) GTEST_SKIP() << "strace not installed";
    const fs::path trace = scratch.path() / "trace.txt";
    const Outcome o =
        run({"/usr/bin/strace", "-f", "-qq", "-e", "trace=openat,fdatasync,exit_group", "-o", trace.string()});
    if (o.err.find("PTRACE") != std::string::npos || o.err.find("ptrace") != std::string::npos)
        GTEST_SKIP() << "ptrace not permitted here: " << o.err;
    expect_ending(o);
    const std::string text = trace_text(trace);
    // The fd skiff opened the disk with, then fdatasync on that fd returning 0, before exit_group.
    const std::string fd = disk_fd_in(text, disk);
    ASSERT_FALSE(fd.empty()) << text;
    std::smatch sync;
    ASSERT_TRUE(std::regex_search(text, sync, std::regex("fdatasync\\(" + fd + "\\) *= 0\n")))
        << "no fdatasync(" << fd << ") = 0 in the trace:\n"
        << text;
    EXPECT_LT(size_t(sync.position(0)), text.find("exit_group(")) << text;
}

INSTANTIATE_TEST_SUITE_P(StopPaths, Durability, ::testing::ValuesIn(stop_paths()),
                         [](const ::testing::TestParamInfo<StopPath>& info) { return info.param.name; });

// The disk's lock goes with skiff: an orchestrator that restarts a guest at once finds its disk free,
// also after the block ring's io_uring held the file (the kernel tears a ring down after exit).
TEST(DiskLock, IsGoneWhenSkiffHasExited) {
    const fs::path image = guest_image("test_blk_ring");
    if (!fs::exists(image)) GTEST_SKIP() << image << " not built";
    if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
    ScratchDir scratch("disk-lock");
    const fs::path disk = scratch.path() / "disk.img";
    write_file(disk, std::vector<uint8_t>(128 * 1024, 0));
    for (int run = 0; run < 3; ++run) {
        const Outcome o = run_skiff({"--mem=32", "--block:storage=" + disk.string(), image.string(), "mode=integrity"});
        ASSERT_EQ(o.status, 0) << "run " << run << ": " << o.out << o.err;
        const int fd = open(disk.c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0) << "run " << run << ": the disk is still locked";
        close(fd);
    }
}

// Storage that fails late: a loop device over a full tmpfs takes every write into the page cache
// and fails only when the guest's writes are flushed. skiff must say so, naming the device, and
// exit 254 instead of 0: most of what the guest wrote is lost.
TEST(FailedFlush, IsReportedNamingTheDeviceWithExit254) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for a tmpfs mount and a loop device";
    if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
    ScratchDir scratch("failed-flush");
    const fs::path mnt = scratch.path() / "small";
    fs::create_directories(mnt);
    ASSERT_EQ(
        tools::run_command({"mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt.string()}, std::chrono::seconds(10))
            .status,
        0);
    const fs::path backing = mnt / "backing.img";
    write_file(backing, {});
    fs::resize_file(backing, 2 << 20);  // sparse: 2 MiB that a 256 KiB tmpfs cannot hold
    const tools::Completed loop =
        tools::run_command({"losetup", "-f", "--show", backing.string()}, std::chrono::seconds(10));
    std::string device = loop.out.substr(0, loop.out.find('\n'));
    if (loop.status != 0 || device.empty()) {
        tools::run_command({"umount", mnt.string()}, std::chrono::seconds(10));
        GTEST_SKIP() << "no loop device here: " << loop.out << loop.err;
    }
    const Outcome o = run_skiff({"--mem=32", "--block:storage=" + device, "--block-sector-size:storage=4096",
                                 guest_image("durability_halt").string(), "tag=1", "fill=1"},
                                RunOptions{120000});
    tools::run_command({"losetup", "-d", device}, std::chrono::seconds(10));
    tools::run_command({"umount", mnt.string()}, std::chrono::seconds(10));
    EXPECT_EQ(o.status, kExitHostError) << o.out << o.err;
    EXPECT_NE(o.out.find("SUCCESS"), std::string::npos) << o.out;  // every write looked fine to the guest
    EXPECT_EQ(o.err, "skiff: block device 'storage' (" + device +
                         "): flushing the guest's writes failed: Input/output error\n");
}

}  // namespace
}  // namespace skiff::hostile

namespace skiff::hostile {
namespace {

// A guest's flush is a barrier it can rely on before anything else happens: through the block ring
// (and through the hypercall), the writes before it, then fdatasync on the disk, all before the
// guest says "flushed"; killed at once afterwards (SIGKILL: no clean path), the file holds them.
// Where the ring thread uses io_uring, its writes and fsync are no system calls strace can show:
// then the ring's io_uring_enter must have returned before the guest went on (that a flush is an
// fsync issued after the writes before it is block_ring_test's to show). Where the kernel refuses
// io_uring (strace makes io_uring_setup fail), the ring thread says so and uses pwrite/fdatasync.
enum class FlushPath { Hypercall, Ring, RingWithoutIoUring };

void PrintTo(FlushPath path, std::ostream* os) {
    *os << (path == FlushPath::Hypercall ? "hypercall" : path == FlushPath::Ring ? "ring" : "ring without io_uring");
}

class GuestFlush : public ::testing::TestWithParam<FlushPath> {
  protected:
    static void expect_flush_pattern(const fs::path& disk) {
        const std::vector<uint8_t> bytes = read_all(disk);
        for (size_t i = 0; i < 8 * 512; ++i)  // the pattern of test_blk_ring.c, tag 3
            ASSERT_EQ(bytes[i], uint8_t((i / 512) * 31 + (i % 512) * 7 + 3 * 101 + 5)) << "byte " << i;
    }
};

TEST_P(GuestFlush, IsDurableBeforeTheGuestGoesOn) {
    const bool ring = GetParam() != FlushPath::Hypercall;
    const bool refuse_uring = GetParam() == FlushPath::RingWithoutIoUring;
    const fs::path image = guest_image("test_blk_ring");
    if (!fs::exists(image)) GTEST_SKIP() << image << " not built";
    if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
    if (!fs::exists("/usr/bin/strace")) GTEST_SKIP() << "strace not installed";
    ScratchDir scratch("guest-flush");
    const fs::path disk = scratch.path() / "disk.img", trace = scratch.path() / "trace.txt";
    write_file(disk, std::vector<uint8_t>(64 * 512, 0));
    std::vector<std::string> argv{"/usr/bin/strace",
                                  "-f",
                                  "-qq",
                                  "-e",
                                  "trace=openat,pwrite64,fdatasync,write,io_uring_setup,io_uring_enter",
                                  "-o",
                                  trace.string(),
                                  skiff_binary(),
                                  "--mem=32",
                                  "--block:storage=" + disk.string(),
                                  image.string()};
    if (refuse_uring) argv.insert(argv.begin() + 1, {"-e", "inject=io_uring_setup:error=EPERM"});
    if (!ring) argv.push_back("--skiff:no-ring");
    argv.insert(argv.end(), {"mode=flush", "tag=3"});
    tools::ChildOptions options;
    options.separate_stderr = true;
    tools::Child child = tools::Child::start(argv, options);
    const auto deadline = tools::Clock::now() + std::chrono::seconds(30);
    while (child.output().find("flushed") == std::string::npos && !child.done() && tools::Clock::now() < deadline)
        tools::wait_for_any({&child}, std::min(deadline, tools::Clock::now() + std::chrono::milliseconds(50)));
    ASSERT_NE(child.output().find("flushed"), std::string::npos) << child.output() << child.error_output();
    child.kill_group();
    child.finish();
    if (child.error_output().find("ptrace") != std::string::npos) GTEST_SKIP() << "ptrace not permitted here";

    const std::string text = trace_text(trace);
    const std::string fd = disk_fd_in(text, disk);
    ASSERT_FALSE(fd.empty()) << text;
    const size_t said = text.find("write(1, \"flushed\\n\"");
    ASSERT_NE(said, std::string::npos) << text;
    if (text.find("io_uring_setup(") != std::string::npos && refuse_uring) {  // a skiff built with io_uring
        EXPECT_EQ(child.error_output(),
                  "skiff: note: the block ring does without io_uring (io_uring_setup: Operation not permitted): its "
                  "requests are served one at a time\n");
    }
    std::smatch uring;
    if (ring && !refuse_uring &&
        std::regex_search(text, uring, std::regex("io_uring_setup\\([^\\n]*\\) = ([0-9]+)\n"))) {
        const std::string ring_fd = uring[1];
        EXPECT_EQ(text.find("pwrite64(" + fd + ","), std::string::npos) << "writes both ways:\n" << text;
        const size_t entered = text.rfind("io_uring_enter(" + ring_fd + ",", said);
        ASSERT_NE(entered, std::string::npos) << "no io_uring_enter before the guest went on:\n" << text;
        // It returned on its own line, or on its "resumed" one when another thread's call came between.
        const size_t line_end = text.find('\n', entered);
        const bool unfinished = text.substr(entered, line_end - entered).find("<unfinished") != std::string::npos;
        const size_t returned = unfinished ? text.find("<... io_uring_enter resumed>", entered) : line_end;
        EXPECT_LT(returned, said) << "the guest went on before the ring's I/O was done:\n" << text;
        expect_flush_pattern(disk);
        return;
    }
    const size_t last_write = text.rfind("pwrite64(" + fd + ",");
    std::smatch synced;
    const std::string after_write = text.substr(last_write == std::string::npos ? 0 : last_write);
    const bool found = std::regex_search(after_write, synced, std::regex("fdatasync\\(" + fd + "\\) *= 0\n"));
    const size_t sync = found ? last_write + size_t(synced.position(0)) : std::string::npos;
    ASSERT_NE(last_write, std::string::npos) << text;
    ASSERT_NE(sync, std::string::npos) << "no fdatasync after the last write:\n" << text;
    EXPECT_LT(sync, said) << "the guest went on before its data was durable:\n" << text;
    expect_flush_pattern(disk);
}

INSTANTIATE_TEST_SUITE_P(Paths, GuestFlush,
                         ::testing::Values(FlushPath::Hypercall, FlushPath::Ring, FlushPath::RingWithoutIoUring),
                         [](const ::testing::TestParamInfo<FlushPath>& info) {
                             switch (info.param) {
                                 case FlushPath::Hypercall: return "hypercall";
                                 case FlushPath::Ring: return "ring";
                                 case FlushPath::RingWithoutIoUring: return "ring_without_io_uring";
                             }
                             return "?";
                         });

}  // namespace
}  // namespace skiff::hostile
