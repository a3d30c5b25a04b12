// The real skiff under a debugger: a client speaking the GDB remote protocol over TCP (as gdb does)
// against tiny hand-built guests, under the sandbox; and core files of guests that fault or abort.
// tests/debugging/gdb_cli.sh does the same with gdb itself.
#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <libelf.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/procfs.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "child_process.h"
#include "common/unique_fd.h"
#include "elf_builder.h"
#include "modules/gdb/protocol.h"
#include "scratch_dir.h"

namespace skiff {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::Bytes;
using test::ElfBuilder;

constexpr uint64_t kEntry = 0x100000;

bool kvm_usable() {
    UniqueFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    return fd.valid();
}

bool kvm_is_pvm() {
    return access("/sys/module/kvm_pvm", F_OK) == 0;
}

// Images: `code` at the entry point.
Bytes image_with(const Bytes& code) {
    ElfBuilder b;
    b.load_bytes(kEntry, code, PF_R | PF_X);
    b.notes({test::abi_note()});
    b.notes({test::manifest_note(test::manifest_payload({test::reserved_entry()}))});
    return b.build();
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

const Bytes kNops{0x90, 0x90, 0x90, 0x90};
const Bytes kSpin{0xeb, 0xfe};  // jmp .
const Bytes kUd2{0x0f, 0x0b};   // an invalid opcode: no IDT, so a triple fault

// POLL for 60 s (its arguments on the stack), then fall through.
Bytes poll_60s() {
    Bytes code{0x48, 0xb8};  // movabs $60e9, %rax
    const uint64_t ns = 60'000'000'000;
    test::append(code, &ns, sizeof ns);
    return concat({code,
                   {0x48, 0x89, 0x44, 0x24, 0xc0,  // mov %rax, -0x40(%rsp): timeout_nsecs
                    0x8d, 0x44, 0x24, 0xc0,        // lea -0x40(%rsp), %eax
                    0x66, 0xba, 0x03, 0x05,        // mov $0x503, %dx: POLL
                    0xef}});                       // out %eax, (%dx)
}

// A client of the GDB remote protocol, as gdb speaks it.
class Client {
  public:
    explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(uint16_t(port));
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
            throw std::runtime_error("cannot connect to skiff's gdb port");
    }

    void send_raw(std::string_view bytes) {
        ASSERT_EQ(::write(fd_.get(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
    }
    // Sends a packet and returns the reply's payload (after skiff's '+').
    std::string ask(std::string_view payload, std::chrono::milliseconds timeout = 10s) {
        send_raw(gdb::frame(payload));
        return reply(timeout);
    }
    // The next packet skiff sends (a stop reply); "TIMEOUT" or "CLOSED" if none comes.
    std::string reply(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            for (; !events_.empty(); events_.erase(events_.begin()))
                if (events_.front().kind == gdb::PacketEvent::Kind::Packet) {
                    std::string payload = std::move(events_.front().payload);
                    events_.erase(events_.begin());
                    send_raw("+");
                    return payload;
                }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{fd_.get(), POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, int(left.count())) <= 0) return "TIMEOUT";
            char buf[8192];
            const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
            if (n <= 0) return "CLOSED";
            raw_ += std::string(buf, size_t(n));
            for (auto& e : reader_.feed({buf, size_t(n)})) events_.push_back(std::move(e));
        }
    }
    // Everything skiff sent, acks included.
    const std::string& raw() const { return raw_; }
    void close() { fd_.reset(); }

  private:
    UniqueFd fd_;
    gdb::PacketReader reader_;
    std::vector<gdb::PacketEvent> events_;
    std::string raw_;
};

// 'g' reply → rip (after the 16 general registers, 8 bytes each).
uint64_t rip_of(const std::string& registers) {
    const auto bytes = gdb::from_hex(registers.substr(16 * 16, 16));
    uint64_t rip = 0;
    if (bytes) std::memcpy(&rip, bytes->data(), 8);
    return rip;
}

class Debugged : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!kvm_usable()) GTEST_SKIP() << "no usable /dev/kvm";
    }

    // Starts skiff on `code` with --gdb on a free port; returns once it is waiting.
    void start(const Bytes& code, std::vector<std::string> extra = {}) {
        const fs::path image = dir.path() / "guest.elf";
        std::ofstream(image, std::ios::binary)
            .write(reinterpret_cast<const char*>(image_with(code).data()), std::streamsize(image_with(code).size()));
        std::vector<std::string> argv{std::string(SKIFF_BINARY_DIR) + "/src/skiff", "--gdb", "--gdb-port=0"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(image.string());
        skiff.emplace(tools::Child::start(argv, {.separate_stderr = true, .uid = -1, .env = {}}));
        const std::regex waiting("waiting for a debugger on 127\\.0\\.0\\.1:([0-9]+)");
        const auto deadline = tools::Clock::now() + 10s;
        std::smatch m;
        while (!std::regex_search(skiff->error_output(), m, waiting)) {
            ASSERT_LT(tools::Clock::now(), deadline) << "skiff never waited for a debugger: " << skiff->error_output();
            ASSERT_FALSE(skiff->done()) << skiff->error_output();
            tools::wait_for_any({&*skiff}, tools::Clock::now() + 50ms);
            skiff->service();
        }
        port = std::stoi(m[1].str());
    }
    Client& connect() {
        client.emplace(port);
        return *client;
    }
    // Waits for skiff to end; its exit status.
    int finish(std::chrono::seconds timeout = 10s) {
        const auto deadline = tools::Clock::now() + timeout;
        while (!skiff->done() && tools::Clock::now() < deadline) {
            tools::wait_for_any({&*skiff}, deadline);
            skiff->service();
        }
        if (!skiff->done()) {
            skiff->kill_group();
            skiff->finish();
            return -1;
        }
        return skiff->status();
    }
    std::string errors() const { return skiff->error_output(); }

    tools::ScratchDir dir{"gdb-test"};
    std::optional<tools::Child> skiff;
    std::optional<Client> client;
    int port = 0;
};

TEST_F(Debugged, StopsBeforeTheFirstInstructionAndRunsToTheEndOnContinue) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    EXPECT_EQ(c.ask("?"), "S05");
    const std::string regs = c.ask("g");
    EXPECT_EQ(regs.size(), 536u * 2);
    EXPECT_EQ(rip_of(regs), kEntry);
    EXPECT_EQ(c.ask("m100000,5"), "90909090c7");
    EXPECT_EQ(c.ask("mfffffffff000,1"), "E14");
    EXPECT_EQ(c.ask("c"), "W2a");
    EXPECT_EQ(finish(), 42) << errors();
}

TEST_F(Debugged, StepsOneInstructionAtATime) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    EXPECT_EQ(c.ask("s"), "S05");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry + 1);
    EXPECT_EQ(c.ask("s"), "S05");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry + 2);
    EXPECT_EQ(c.ask("c"), "W2a");
    EXPECT_EQ(finish(), 42);
}

TEST_F(Debugged, BreakpointsStopTheGuestWhereTheyAreAndLeaveTextUntouched) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    EXPECT_EQ(c.ask("Z0,100003,1"), "OK");
    EXPECT_EQ(c.ask("Z1,100002,1"), "OK");
    EXPECT_EQ(c.ask("c"), "S05");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry + 2);
    EXPECT_EQ(c.ask("z1,100002,1"), "OK");
    EXPECT_EQ(c.ask("c"), "S05");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry + 3);
    EXPECT_EQ(c.ask("m100000,4"), "90909090");
    EXPECT_EQ(c.ask("z0,100003,1"), "OK");
    EXPECT_EQ(c.ask("c"), "W2a");
    EXPECT_EQ(finish(), 42);
}

TEST_F(Debugged, ABreakpointBeyondTheDebugRegistersIsAnInt3TheClientNeverSees) {
    if (kvm_is_pvm()) GTEST_SKIP() << "kvm-pvm cannot run an int3 the debugger placed (KVM internal error)";
    start(concat({kNops, kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    for (const char* at : {"100000", "100001", "100002", "100003"})
        EXPECT_EQ(c.ask(std::string("Z1,") + at + ",1"), "OK");
    EXPECT_EQ(c.ask("Z0,100006,1"), "OK");
    for (const char* at : {"100000", "100001", "100002", "100003"})
        EXPECT_EQ(c.ask(std::string("z1,") + at + ",1"), "OK");
    EXPECT_EQ(c.ask("m100004,4"), "90909090");
    EXPECT_EQ(c.ask("c"), "S05");
    const uint64_t rip = rip_of(c.ask("g"));
    EXPECT_TRUE(rip == kEntry + 6 || rip == kEntry + 7) << std::hex << rip;
    EXPECT_EQ(c.ask("z0,100006,1"), "OK");
    if (rip == kEntry + 7) {  // past the int3: back to where it was
        std::string regs = c.ask("g");
        const uint64_t at = kEntry + 6;
        regs.replace(16 * 16, 16, gdb::to_hex({reinterpret_cast<const uint8_t*>(&at), 8}));
        EXPECT_EQ(c.ask("G" + regs), "OK");
    }
    EXPECT_EQ(c.ask("c"), "W2a");
    EXPECT_EQ(finish(), 42) << errors();
}

TEST_F(Debugged, WritesToTextAndRegistersChangeWhatTheGuestDoes) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    // The exit status is the immediate of the first instruction after the nops: make it 7, under
    // the sandbox, in text the host maps read-only.
    EXPECT_EQ(c.ask("M100008,1:07"), "OK");
    EXPECT_EQ(c.ask(std::string("X100004,1:") + char(0xc7)), "OK");
    std::string regs = c.ask("g");
    const uint64_t at = kEntry + 4;  // skip the nops
    regs.replace(16 * 16, 16, gdb::to_hex({reinterpret_cast<const uint8_t*>(&at), 8}));
    EXPECT_EQ(c.ask("G" + regs), "OK");
    EXPECT_EQ(c.ask("s"), "S05");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry + 4 + 8);
    EXPECT_EQ(c.ask("c"), "W07");
    EXPECT_EQ(finish(), 7) << errors();
}

TEST_F(Debugged, CtrlCStopsARunningGuestAndKillEndsTheRun) {
    start(kSpin);
    Client& c = connect();
    c.send_raw(gdb::frame("c"));
    EXPECT_EQ(c.reply(300ms), "TIMEOUT");  // it spins
    c.send_raw("\x03");
    EXPECT_EQ(c.reply(5s), "S02");
    EXPECT_EQ(rip_of(c.ask("g")), kEntry);
    c.send_raw(gdb::frame("k"));
    EXPECT_EQ(finish(), 137) << errors();
    EXPECT_NE(errors().find("skiff: the debugger killed the guest"), std::string::npos) << errors();
}

TEST_F(Debugged, CtrlCStopsAGuestWaitingInPoll) {
    start(concat({poll_60s(), ElfBuilder::halt_42_code()}));
    Client& c = connect();
    c.send_raw(gdb::frame("c"));
    EXPECT_EQ(c.reply(300ms), "TIMEOUT");
    const auto asked = std::chrono::steady_clock::now();
    c.send_raw("\x03");
    EXPECT_EQ(c.reply(5s), "S02");
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
    c.send_raw(gdb::frame("k"));
    EXPECT_EQ(finish(), 137) << errors();
}

TEST_F(Debugged, ADebuggerThatGoesAwayLeavesTheGuestRunningWithoutItsBreakpoints) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    EXPECT_EQ(c.ask("Z0,100003,1"), "OK");
    c.send_raw(gdb::frame("c"));
    c.close();
    EXPECT_EQ(finish(), 42) << errors();
    EXPECT_NE(errors().find("the debugger went away: the guest runs on"), std::string::npos) << errors();
}

TEST_F(Debugged, DetachLetsTheGuestRunOn) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    EXPECT_EQ(c.ask("Z0,100003,1"), "OK");
    EXPECT_EQ(c.ask("D"), "OK");
    EXPECT_EQ(finish(), 42) << errors();
    EXPECT_NE(errors().find("the debugger detached"), std::string::npos);
}

TEST_F(Debugged, AGuestFaultEndsTheSessionWithASignal) {
    start(kUd2);
    Client& c = connect();
    EXPECT_EQ(c.ask("c"), "X0b");
    EXPECT_EQ(finish(), 253) << errors();
}

TEST_F(Debugged, AStopSignalEndsTheRunWhileWaitingForTheDebuggerOrStoppedInIt) {
    start(kSpin);
    skiff->signal_group(SIGTERM);
    EXPECT_EQ(finish(), 143) << errors();
    EXPECT_NE(errors().find("stopped by SIGTERM"), std::string::npos);

    start(kSpin);
    Client& c = connect();
    EXPECT_EQ(c.ask("?"), "S05");
    skiff->signal_group(SIGTERM);
    EXPECT_EQ(finish(), 143) << errors();
}

TEST_F(Debugged, AHostileClientGetsRefusalsAndTheGuestIsUnharmed) {
    start(concat({kNops, ElfBuilder::halt_42_code()}));
    Client& c = connect();
    c.send_raw("$g#00");                                 // bad checksum
    c.send_raw("$" + std::string(100000, 'm') + "#00");  // overlong
    c.send_raw(std::string("\x00\xff}}}#$#", 9));        // noise
    EXPECT_EQ(c.ask("?"), "S05");
    EXPECT_NE(c.raw().find('-'), std::string::npos);
    EXPECT_EQ(c.ask("G00"), "E01");
    EXPECT_EQ(c.ask("M200000000,1:00"), "E14");
    EXPECT_EQ(c.ask("m100000,ffffffff"), "E01");
    EXPECT_EQ(c.ask("vMustReplyEmpty"), "");
    EXPECT_EQ(c.ask("qSupported:xmlRegisters=i386"), "PacketSize=1000");
    EXPECT_EQ(c.ask("c"), "W2a");
    EXPECT_EQ(finish(), 42) << errors();
}

TEST(DebuggerOptions, AreCheckedBeforeAnythingIsOpened) {
    const std::string skiff = std::string(SKIFF_BINARY_DIR) + "/src/skiff";
    tools::ScratchDir dir("gdb-options");
    const fs::path image = dir.path() / "guest.elf";
    const Bytes bytes = image_with(ElfBuilder::halt_42_code());
    std::ofstream(image, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    // A port taken by someone else.
    UniqueFd taken(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(taken.get(), reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
    ASSERT_EQ(::listen(taken.get(), 1), 0);
    socklen_t len = sizeof at;
    ASSERT_EQ(getsockname(taken.get(), reinterpret_cast<sockaddr*>(&at), &len), 0);
    const std::string busy = std::to_string(ntohs(at.sin_port));
    const std::vector<Case> cases{
        {{"--gdb-port=1234"}, "skiff: --gdb-port needs --gdb"},
        {{"--gdb-address=::1"}, "skiff: --gdb-address needs --gdb"},
        {{"--gdb", "--gdb-port=65536"}, "skiff: --gdb-port=65536: a TCP port from 1 to 65535 (0: any free one)"},
        {{"--gdb", "--gdb-port=x"}, "skiff: --gdb-port=x: a TCP port from 1 to 65535 (0: any free one)"},
        {{"--gdb", "--gdb-address=localhost"}, "skiff: --gdb-address=localhost: not an IPv4 or IPv6 address"},
        {{"--gdb", "--gdb-port=" + busy},
         "skiff: --gdb: cannot listen on 127.0.0.1:" + busy + ": Address already in use"},
        {{"--dumpcore=" + (dir.path() / "none").string()},
         "skiff: --dumpcore=" + (dir.path() / "none").string() + ": no such directory: No such file or directory"},
        {{"--dumpcore=" + image.string()}, "skiff: --dumpcore=" + image.string() + ": not a directory"},
    };
    for (const Case& k : cases) {
        std::vector<std::string> argv{skiff};
        argv.insert(argv.end(), k.args.begin(), k.args.end());
        argv.push_back(image.string());
        const tools::Completed r = tools::run_command(argv, 10s, {.separate_stderr = true, .uid = -1, .env = {}});
        EXPECT_EQ(r.status, 1) << k.args.back();
        EXPECT_EQ(r.err, k.message + "\n") << k.args.back();
    }
}

// --- core files ---

struct Core {
    uint16_t type = 0;
    uint64_t rip = 0;
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> loads;  // vaddr, bytes

    // The bytes at `addr`, if a PT_LOAD holds them.
    std::optional<std::vector<uint8_t>> at(uint64_t addr, size_t len) const {
        for (const auto& [vaddr, bytes] : loads)
            if (addr >= vaddr && addr + len <= vaddr + bytes.size())
                return std::vector<uint8_t>(bytes.begin() + long(addr - vaddr),
                                            bytes.begin() + long(addr - vaddr + len));
        return std::nullopt;
    }
};

Core read_core(const fs::path& path) {
    Core core;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    elf_version(EV_CURRENT);
    Elf* elf = elf_begin(fd.get(), ELF_C_READ, nullptr);
    if (!elf) return core;
    GElf_Ehdr eh;
    gelf_getehdr(elf, &eh);
    core.type = eh.e_type;
    size_t phnum = 0;
    elf_getphdrnum(elf, &phnum);
    for (size_t i = 0; i < phnum; ++i) {
        GElf_Phdr ph;
        gelf_getphdr(elf, int(i), &ph);
        std::vector<uint8_t> bytes(ph.p_filesz);
        if (pread(fd.get(), bytes.data(), bytes.size(), off_t(ph.p_offset)) != ssize_t(bytes.size())) continue;
        if (ph.p_type == PT_LOAD) core.loads.emplace_back(ph.p_vaddr, std::move(bytes));
        if (ph.p_type != PT_NOTE) continue;
        for (size_t at = 0; at + 12 <= bytes.size();) {
            uint32_t namesz, descsz, type;
            std::memcpy(&namesz, &bytes[at], 4);
            std::memcpy(&descsz, &bytes[at + 4], 4);
            std::memcpy(&type, &bytes[at + 8], 4);
            const size_t desc = at + 12 + ((namesz + 3) & ~3u);
            if (type == NT_PRSTATUS && desc + sizeof(elf_prstatus) <= bytes.size()) {
                elf_prstatus status;
                std::memcpy(&status, &bytes[desc], sizeof status);
                user_regs_struct regs;
                std::memcpy(&regs, &status.pr_reg, sizeof regs);
                core.rip = regs.rip;
            }
            at = desc + ((descsz + 3) & ~3u);
        }
    }
    elf_end(elf);
    return core;
}

class CoreDump : public Debugged {
  protected:
    tools::Completed run(const Bytes& code) {
        const fs::path image = dir.path() / "guest.elf";
        const Bytes bytes = image_with(code);
        std::ofstream(image, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        fs::create_directory(cores);
        return tools::run_command(
            {std::string(SKIFF_BINARY_DIR) + "/src/skiff", "--dumpcore=" + cores.string(), image.string()}, 20s,
            {.separate_stderr = true, .uid = -1, .env = {}});
    }
    std::vector<fs::path> files() const {
        std::vector<fs::path> all;
        for (const auto& e : fs::directory_iterator(cores)) all.push_back(e.path());
        return all;
    }
    fs::path cores = dir.path() / "cores";
};

TEST_F(CoreDump, AFaultLeavesACoreWithTheRegistersAndTheTouchedMemory) {
    const Bytes code = concat({kNops, kUd2});
    const tools::Completed r = run(code);
    EXPECT_EQ(r.status, 253) << r.err;
    const auto list = files();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].filename().string().starts_with("core.skiff."));
    EXPECT_NE(r.err.find("; core dumped to " + list[0].string() + "\n"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    const Core core = read_core(list[0]);
    EXPECT_EQ(core.type, ET_CORE);
    EXPECT_EQ(core.rip, kEntry + 4);
    EXPECT_EQ(core.at(kEntry, code.size()), code);
}

TEST_F(CoreDump, AnAbortLeavesACoreAndACleanEndLeavesNothing) {
    Bytes abort_code = ElfBuilder::halt_42_code();
    abort_code[4] = 0xff;  // status 255: the guest aborted
    tools::Completed r = run(abort_code);
    EXPECT_EQ(r.status, 255) << r.err;
    ASSERT_EQ(files().size(), 1u);
    EXPECT_NE(r.err.find("skiff: note: the guest halted with status 255; core dumped to "), std::string::npos) << r.err;
    const uint64_t rip = read_core(files()[0]).rip;
    EXPECT_TRUE(rip == kEntry + 16 || rip == kEntry + 17) << "at or after its out: " << std::hex << rip;

    fs::remove_all(cores);
    r = run(ElfBuilder::halt_42_code());
    EXPECT_EQ(r.status, 42) << r.err;
    EXPECT_TRUE(files().empty());
    EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace skiff
