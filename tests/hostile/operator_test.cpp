// Operator input against the real skiff binary: bad bindings, taps, block files, sector sizes,
// memory sizes and MACs. Each is refused with exit status 1 and one clear line, and leaves the
// operator's files untouched (size, mtime, and no create/modify/delete seen by inotify) and the
// taps it names absent.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/ioctl.h>

#include <fstream>
#include <regex>

#include "image_cases.h"
#include "run_skiff.h"

namespace skiff::hostile {
namespace {

namespace fs = std::filesystem;
constexpr const char* kUnusedTap = "skiffnotap0";

enum class Image { Both, Block, Net, Big, TwoDisks };

struct OperatorCase {
    std::string name;
    Image image;
    std::vector<std::string> args;  // before the image; {DISK} {ODD} {EMPTY} {MISSING} {DIR} {IMG} {TAP} are replaced
    std::string message;            // the whole stderr line after "skiff: ", same placeholders
    std::vector<std::string> guest_args = {};
};

// gtest names a failing case by this, instead of dumping its bytes.
void PrintTo(const OperatorCase& c, std::ostream* os) {
    *os << c.name;
}

Bytes image_bytes(Image which) {
    switch (which) {
        case Image::Both: return valid_image();
        case Image::Block: return ElfBuilder::hvt_image(test::manifest_entries({{"disk", kBlock}})).build();
        case Image::Net: return ElfBuilder::hvt_image(test::manifest_entries({{"net0", kNet}})).build();
        case Image::TwoDisks:
            return ElfBuilder::hvt_image(test::manifest_entries({{"disk", kBlock}, {"other", kBlock}})).build();
        case Image::Big: {
            ElfBuilder b;
            b.load(0x100000, 0x1000, PF_R | PF_W, 8ull << 20);  // 8 MiB of BSS
            b.notes({test::abi_note()});
            b.notes({test::manifest_note(test::manifest_payload(test::manifest_entries({})))});
            return b.build();
        }
    }
    return {};
}

// An image that runs: it halts with 42 at once.
Bytes halting_image(const std::vector<std::pair<std::string, uint32_t>>& devices) {
    ElfBuilder b;
    b.load_bytes(0x100000, ElfBuilder::halt_42_code(), PF_R | PF_X);
    b.notes({test::abi_note()});
    b.notes({test::manifest_note(test::manifest_payload(test::manifest_entries(devices)))});
    return b.build();
}

std::vector<OperatorCase> operator_cases() {
    const std::string bad_sector = ": block size must be a power of two from 512 to 32768";
    const std::string bad_mac = ": malformed MAC address (want HH:HH:HH:HH:HH:HH)";
    const std::string bad_mem = ": guest memory is a whole number of MiB from 1 to 4096 (default 512)";
    const std::string no_tap = "net device 'net0': no interface {TAP} (create it first: ip tuntap add {TAP} mode tap)";
    return {
        // bindings
        {"unknown_device",
         Image::Block,
         {"--block:disk={DISK}", "--block:nope={DISK}"},
         "--block:nope: {IMG} declares no block device 'nope' (it declares block 'disk'; --dump-manifest lists them)"},
        {"wrong_device_type",
         Image::Both,
         {"--block:disk={DISK}", "--net:disk={TAP}", "--net:net0={TAP}"},
         "--net:disk: 'disk' is a block device in {IMG}, not a net device"},
        {"duplicate_block", Image::Block, {"--block:disk={DISK}", "--block:disk={ODD}"}, "--block:disk given twice"},
        {"duplicate_net", Image::Net, {"--net:net0={TAP}", "--net:net0=other0"}, "--net:net0 given twice"},
        {"missing_block",
         Image::Both,
         {"--net:net0={TAP}"},
         "{IMG} declares block device 'disk' but no --block:disk=PATH was given"},
        {"missing_net",
         Image::Both,
         {"--block:disk={DISK}"},
         "{IMG} declares net device 'net0' but no --net:net0=TAP was given"},
        {"binding_for_deviceless_image",
         Image::Big,
         {"--mem=32", "--block:disk={DISK}"},
         "--block:disk: {IMG} declares no block device 'disk' (it declares no devices)"},
        {"unknown_flag",
         Image::Block,
         {"--block:disk={DISK}", "--floppy:disk={DISK}"},
         "unknown option --floppy:disk (see --help)"},
        {"binding_without_value", Image::Block, {"--block:disk"}, "--block:disk: expected --block:NAME=VALUE"},
        {"binding_without_name", Image::Block, {"--block:={DISK}"}, "--block:={DISK}: expected --block:NAME=VALUE"},
        {"empty_block_path", Image::Block, {"--block:disk="}, "--block:disk: empty path"},
        {"mac_for_undeclared",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net9=02:00:00:00:00:01"},
         "--net-mac:net9: {IMG} declares no net device 'net9' (it declares net 'net0'; --dump-manifest lists them)"},
        {"mac_without_tap",
         Image::Net,
         {"--net-mac:net0=02:00:00:00:00:01"},
         "{IMG} declares net device 'net0' but no --net:net0=TAP was given"},
        // taps
        {"nonexistent_tap", Image::Net, {"--net:net0={TAP}"}, no_tap},
        {"tap_name_too_long",
         Image::Net,
         {"--net:net0=abcdefghijklmnop"},
         "--net:net0=abcdefghijklmnop: not a valid interface name"},
        {"tap_name_with_slash", Image::Net, {"--net:net0=../tap0"}, "--net:net0=../tap0: not a valid interface name"},
        {"tap_name_with_space", Image::Net, {"--net:net0=tap 0"}, "--net:net0=tap 0: not a valid interface name"},
        {"empty_tap_name", Image::Net, {"--net:net0="}, "--net:net0=: not a valid interface name"},
        // block files
        {"block_file_missing",
         Image::Block,
         {"--block:disk={MISSING}"},
         "block device 'disk': cannot open {MISSING}: No such file or directory"},
        {"block_file_is_directory",
         Image::Block,
         {"--block:disk={DIR}"},
         "block device 'disk': cannot open {DIR}: Is a directory"},
        {"block_file_not_sector_multiple",
         Image::Block,
         {"--block:disk={ODD}"},
         "block device 'disk': size of {ODD} (1000 bytes) must be a non-zero multiple of the block size (512 bytes)"},
        {"block_file_empty",
         Image::Block,
         {"--block:disk={EMPTY}"},
         "block device 'disk': size of {EMPTY} (0 bytes) must be a non-zero multiple of the block size (512 bytes)"},
        {"block_file_smaller_than_sector",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=8192"},
         "block device 'disk': size of {DISK} (4096 bytes) must be a non-zero multiple of the block size (8192 bytes)"},
        {"block_character_device",
         Image::Block,
         {"--block:disk=/dev/null"},
         "/dev/null: not a regular file or block device"},
        // sector sizes
        {"sector_size_not_power_of_two",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=1000"},
         "--block-sector-size:disk=1000" + bad_sector},
        {"sector_size_too_small",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=256"},
         "--block-sector-size:disk=256" + bad_sector},
        {"sector_size_too_big",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=65536"},
         "--block-sector-size:disk=65536" + bad_sector},
        {"sector_size_zero",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=0"},
         "--block-sector-size:disk=0" + bad_sector},
        {"sector_size_negative",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=-512"},
         "--block-sector-size:disk=-512" + bad_sector},
        {"sector_size_text",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=big"},
         "--block-sector-size:disk=big" + bad_sector},
        {"sector_size_overflow",
         Image::Block,
         {"--block:disk={DISK}", "--block-sector-size:disk=18446744073709551616"},
         "--block-sector-size:disk=18446744073709551616" + bad_sector},
        {"sector_size_without_block",
         Image::Block,
         {"--block-sector-size:disk=4096"},
         "{IMG} declares block device 'disk' but no --block:disk=PATH was given"},
        // memory
        {"mem_too_small_for_image", Image::Big, {"--mem=2"}, "{IMG}: segment 0 does not fit in guest memory"},
        {"mem_zero", Image::Big, {"--mem=0"}, "--mem=0" + bad_mem},
        {"mem_absurd", Image::Big, {"--mem=1000000"}, "--mem=1000000" + bad_mem},
        {"mem_negative", Image::Big, {"--mem=-1"}, "--mem=-1" + bad_mem},
        {"mem_text", Image::Big, {"--mem=lots"}, "--mem=lots" + bad_mem},
        {"mem_fraction", Image::Big, {"--mem=2.5"}, "--mem=2.5" + bad_mem},
        {"mem_overflow", Image::Big, {"--mem=99999999999999999999999"}, "--mem=99999999999999999999999" + bad_mem},
        // MAC addresses
        {"mac_not_hex",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=zz:zz:zz:zz:zz:zz"},
         "--net-mac:net0=zz:zz:zz:zz:zz:zz" + bad_mac},
        {"mac_too_short",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=02:00:00:00:00"},
         "--net-mac:net0=02:00:00:00:00" + bad_mac},
        {"mac_too_long",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=02:00:00:00:00:01:02"},
         "--net-mac:net0=02:00:00:00:00:01:02" + bad_mac},
        {"mac_dashes",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=02-00-00-00-00-01"},
         "--net-mac:net0=02-00-00-00-00-01" + bad_mac},
        {"mac_trailing_garbage",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=02:00:00:00:00:1x"},
         "--net-mac:net0=02:00:00:00:00:1x" + bad_mac},
        {"mac_empty", Image::Net, {"--net:net0={TAP}", "--net-mac:net0="}, "--net-mac:net0=" + bad_mac},
        {"mac_multicast",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=01:00:5e:00:00:01"},
         "--net-mac:net0=01:00:5e:00:00:01: a multicast address (odd first octet); a NIC needs a unicast one, such as "
         "02:00:00:00:00:01"},
        {"mac_broadcast",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=ff:ff:ff:ff:ff:ff"},
         "--net-mac:net0=ff:ff:ff:ff:ff:ff: a multicast address (odd first octet); a NIC needs a unicast one, such as "
         "02:00:00:00:00:01"},
        {"mac_zero",
         Image::Net,
         {"--net:net0={TAP}", "--net-mac:net0=00:00:00:00:00:00"},
         "--net-mac:net0=00:00:00:00:00:00: the all-zero address is no address"},
        // interfaces that are no taps
        {"loopback_is_no_tap",
         Image::Net,
         {"--net:net0=lo"},
         "net device 'net0': lo is not a tap interface (create one: ip tuntap add tap0 mode tap; ip link set tap0 up; "
         "then --net:net0=tap0)"},
        // read-only devices and files behind two devices
        {"readonly_with_value",
         Image::Block,
         {"--block:disk={DISK}", "--block-readonly:disk=yes"},
         "--block-readonly:disk=yes: expected --block-readonly:NAME (it takes no value)"},
        {"readonly_without_block",
         Image::Block,
         {"--block-readonly:disk"},
         "{IMG} declares block device 'disk' but no --block:disk=PATH was given"},
        {"readonly_undeclared",
         Image::Block,
         {"--block:disk={DISK}", "--block-readonly:nope"},
         "--block-readonly:nope: {IMG} declares no block device 'nope' (it declares block 'disk'; --dump-manifest "
         "lists "
         "them)"},
        {"same_file_twice",
         Image::TwoDisks,
         {"--block:disk={DISK}", "--block:other={DISK}"},
         "block device 'other': {DISK} is already behind block device 'disk' ({DISK})"},
        {"same_file_read_only_and_writable",
         Image::TwoDisks,
         {"--block:disk={DISK}", "--block:other={DISK}", "--block-readonly:disk"},
         "block device 'other': {DISK} is already behind block device 'disk' ({DISK})"},
        // the unikernel operand and its command line
        {"unikernel_missing_file",
         Image::Block,
         {"--block:disk={DISK}", "{MISSING}"},
         "{MISSING}: No such file or directory"},
        {"command_line_too_long",
         Image::Block,
         {"--block:disk={DISK}"},
         "guest command line too long (max 8191 characters)",
         {std::string(8192, 'x')}},
    };
}

class HostileOperator : public ::testing::TestWithParam<OperatorCase> {
  protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(skiff_binary())) << skiff_binary() << " is not built";
        ASSERT_EQ(network_interfaces().count(kUnusedTap), 0u) << "tap " << kUnusedTap << " exists on this host";
        fs::create_directories(host / "subdir");
        write_file(host / "disk.img", Bytes(4096, 0x5A));
        write_file(host / "odd.img", Bytes(1000, 0x5A));
        write_file(host / "empty.img", {});
    }

    std::string expand(std::string text, const fs::path& image) const {
        const std::pair<std::string, std::string> subs[] = {{"{DISK}", (host / "disk.img").string()},
                                                            {"{ODD}", (host / "odd.img").string()},
                                                            {"{EMPTY}", (host / "empty.img").string()},
                                                            {"{MISSING}", (host / "missing.img").string()},
                                                            {"{DIR}", (host / "subdir").string()},
                                                            {"{IMG}", image.string()},
                                                            {"{TAP}", kUnusedTap}};
        for (const auto& [key, value] : subs)
            for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
                text.replace(at, key.size(), value);
        return text;
    }

    std::map<std::string, FileStamp> stamps() const {
        std::map<std::string, FileStamp> all;
        for (const auto& e : fs::directory_iterator(host)) all[e.path().filename().string()] = stamp(e.path());
        return all;
    }

    ScratchDir scratch{"hostile-operator"};
    fs::path host = scratch.path() / "host";
};

TEST_P(HostileOperator, IsRefusedWithOneLineAndTouchesNothing) {
    const OperatorCase& c = GetParam();
    const fs::path image = scratch.path() / "unikernel.elf";
    write_file(image, image_bytes(c.image));
    std::vector<std::string> args;
    for (const std::string& a : c.args) args.push_back(expand(a, image));
    const bool operand_given = !args.empty() && !args.back().starts_with("-");
    if (!operand_given) args.push_back(image.string());
    args.insert(args.end(), c.guest_args.begin(), c.guest_args.end());

    const auto files_before = stamps();
    DirectoryWatch watch(host);
    const Outcome o = run_skiff(args);
    const auto touched = watch.events();

    EXPECT_FALSE(o.timed_out);
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_EQ(o.err, "skiff: " + expand(c.message, image) + "\n");
    EXPECT_EQ(o.err_lines().size(), 1u) << o.err;
    EXPECT_EQ(o.out, "");
    for (const std::string& t : touched)  // opening for the size check is allowed; changing is not
        EXPECT_TRUE(t.starts_with("OPEN ")) << "skiff changed the operator's files: " << t;
    EXPECT_EQ(stamps(), files_before);
    EXPECT_FALSE(fs::exists(host / "missing.img"));
    // Only the taps named here could be created (TUNSETIFF on a free name makes one); the host's
    // other interfaces come and go with other tests.
    for (const char* tap : {kUnusedTap, "other0"})
        EXPECT_EQ(network_interfaces().count(tap), 0u) << "skiff created tap " << tap;
}

INSTANTIATE_TEST_SUITE_P(Inputs, HostileOperator, ::testing::ValuesIn(operator_cases()),
                         [](const ::testing::TestParamInfo<OperatorCase>& info) { return info.param.name; });

// As root, 0444 does not stop open(O_RDWR); the immutable attribute does. Where the file system or
// the container refuses FS_IOC_SETFLAGS, the case cannot be made and is skipped.
TEST(HostileOperatorReadOnly, ImmutableBlockFileIsRefusedAndStaysUnchanged) {
    ScratchDir scratch("hostile-readonly");
    const fs::path disk = scratch.path() / "ro.img";
    write_file(disk, Bytes(4096, 0x33));
    fs::permissions(disk, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    const int fd = open(disk.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    int flags = 0;
    const bool immutable =
        ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags |= FS_IMMUTABLE_FL, ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
    if (!immutable) {
        close(fd);
        GTEST_SKIP() << "cannot make " << disk
                     << " immutable here (chattr +i): a read-only file cannot be shown as root";
    }
    const fs::path image = scratch.path() / "unikernel.elf";
    write_file(image, image_bytes(Image::Block));
    const FileStamp before = stamp(disk);
    const Outcome o = run_skiff({"--block:disk=" + disk.string(), image.string()});
    flags &= ~FS_IMMUTABLE_FL;
    ioctl(fd, FS_IOC_SETFLAGS, &flags);  // so the scratch directory can be removed
    close(fd);
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_EQ(o.err, "skiff: block device 'disk': cannot open " + disk.string() +
                         ": Operation not permitted (to serve it read-only: --block-readonly:disk)\n");
    EXPECT_EQ(stamp(disk), before);
}

// What the operator is told to do works: the same file, read-only, serves a guest that only reads.
// (The image's code just halts: opening and locking are what is checked.)
TEST(HostileOperatorReadOnly, ReadOnlyDevicesShareAFileAndAWriterIsLockedOut) {
    ScratchDir scratch("hostile-readonly");
    const fs::path disk = scratch.path() / "shared.img";
    write_file(disk, Bytes(4096, 0x33));
    const fs::path image = scratch.path() / "unikernel.elf";
    write_file(image, halting_image({{"disk", kBlock}, {"other", kBlock}}));
    const std::string bind = "--block:disk=" + disk.string(), bind_other = "--block:other=" + disk.string();
    Outcome o = run_skiff({bind, bind_other, "--block-readonly:disk", "--block-readonly:other", image.string()});
    EXPECT_EQ(o.status, 42) << o.err;

    // Another process holds the file: a writer is refused, naming it; a reader is refused too,
    // since the holder may write.
    const int held = open(disk.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_EQ(flock(held, LOCK_EX), 0);
    const std::string busy =
        "skiff: block device 'disk': " + disk.string() + " is in use: another process holds a lock on it";
    o = run_skiff({bind, bind_other, "--block-readonly:other", image.string()});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, busy + " (another skiff serving it; only read-only users may share a disk)\n");
    o = run_skiff({bind, bind_other, "--block-readonly:disk", "--block-readonly:other", image.string()});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, busy + " (another skiff serving it read-write)\n");
    // A shared holder lets readers in.
    ASSERT_EQ(flock(held, LOCK_SH), 0);
    o = run_skiff({bind, bind_other, "--block-readonly:disk", "--block-readonly:other", image.string()});
    EXPECT_EQ(o.status, 42) << o.err;
    close(held);
}

// A guest's write to a read-only device fails with an error it sees, and nothing reaches the file.
TEST(HostileOperatorReadOnly, TheGuestsWritesFailAndTheFileIsUnchanged) {
    const fs::path blockcopy = fs::path(SKIFF_BINARY_DIR) / "examples/blockcopy/blockcopy.elf";
    if (!fs::exists(blockcopy)) GTEST_SKIP() << blockcopy << " not built";
    ScratchDir scratch("hostile-readonly");
    const fs::path source = scratch.path() / "source.img", dest = scratch.path() / "dest.img";
    write_file(source, Bytes(8192, 0x33));
    write_file(dest, Bytes(8192, 0));
    const FileStamp before = stamp(source);
    const Outcome o = run_skiff({"--mem=8", "--block:source=" + source.string(), "--block:dest=" + dest.string(),
                                 "--block-readonly:source", blockcopy.string(), "fill"});
    EXPECT_EQ(o.status, 1) << o.out << o.err;
    EXPECT_NE(o.out.find("write failed on source block 0"), std::string::npos) << o.out;
    EXPECT_EQ(stamp(source), before);
    EXPECT_EQ(read_all(source), Bytes(8192, 0x33));
}

}  // namespace
}  // namespace skiff::hostile

namespace skiff::hostile {
namespace {

// A tap that exists but cannot serve: down, or already attached to someone. The line says what to do.
TEST(HostileOperatorTaps, ADownOrBusyTapIsRefusedWithWhatToDo) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a tap";
    const std::string tap = "skdown" + std::to_string(getpid() % 100000);
    ASSERT_EQ(run_program({"ip", "tuntap", "add", tap, "mode", "tap"}).status, 0);
    struct Cleanup {
        std::string tap;
        ~Cleanup() { run_program({"ip", "link", "del", tap}); }
    } cleanup{tap};
    ScratchDir scratch("hostile-taps");
    const fs::path image = scratch.path() / "unikernel.elf";
    write_file(image, image_bytes(Image::Net));
    Outcome o = run_skiff({"--net:net0=" + tap, image.string()});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err,
              "skiff: net device 'net0': interface " + tap + " is down (bring it up: ip link set " + tap + " up)\n");

    ASSERT_EQ(run_program({"ip", "link", "set", tap, "up"}).status, 0);
    const int attached = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    ASSERT_GE(attached, 0);
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", tap.c_str());
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    ASSERT_EQ(ioctl(attached, TUNSETIFF, &ifr), 0);
    o = run_skiff({"--net:net0=" + tap, image.string()});
    close(attached);
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err,
              "skiff: net device 'net0': tap " + tap + " is in use by another process (a tap serves one guest)\n");
}

// Without access to /dev/kvm the line says how to get it.
TEST(HostileOperatorKvm, NoAccessToKvmSaysHowToGetIt) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run skiff as another user";
    ScratchDir scratch("hostile-kvm");
    fs::permissions(scratch.path(), fs::perms::all);
    const fs::path image = scratch.path() / "unikernel.elf";
    write_file(image, halting_image({}));
    fs::permissions(image, fs::perms::all);
    const Outcome o = run_skiff({"--mem=32", image.string()}, {.timeout_ms = 20000, .run_as_uid = 65534});
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_TRUE(o.err.starts_with("skiff: KVM: cannot open /dev/kvm: Permission denied (give this user access: "))
        << o.err;
    EXPECT_NE(o.err.find("or run as root)"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace skiff::hostile
