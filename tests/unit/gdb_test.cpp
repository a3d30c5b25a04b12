// The GDB remote protocol as the stub reads and answers it, against a fake target: framing,
// checksums, escapes, limits, and every command's effect on registers, memory and breakpoints.
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_debug_target.h"
#include "modules/gdb/protocol.h"
#include "modules/gdb/stub.h"

namespace skiff::gdb {
namespace {

using Kind = PacketEvent::Kind;

std::vector<PacketEvent> feed(std::string_view bytes) {
    PacketReader reader;
    return reader.feed(bytes);
}

TEST(GdbPacketReader, ReadsAFramedPacketWithItsChecksum) {
    const auto events = feed("+$g#67");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, Kind::Packet);
    EXPECT_EQ(events[0].payload, "g");
}

TEST(GdbPacketReader, ABadChecksumIsReportedAndNothingIsHandled) {
    const auto events = feed("$g#68$g#zz");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::Bad);
    EXPECT_EQ(events[1].kind, Kind::Bad);
}

TEST(GdbPacketReader, PacketsSplitAcrossReadsAndBackToBack) {
    PacketReader reader;
    EXPECT_TRUE(reader.feed("$m100,").empty());
    EXPECT_TRUE(reader.feed("4#").empty());
    const auto events = reader.feed(frame("m100,4").substr(8) + frame("?") + "\x03");
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].payload, "m100,4");
    EXPECT_EQ(events[1].payload, "?");
    EXPECT_EQ(events[2].kind, Kind::Interrupt);
}

TEST(GdbPacketReader, EscapedBytesComeBackAsSent) {
    const std::string payload = std::string("X0,4:") + '#' + '$' + '}' + '*';
    const auto events = feed(frame(payload));
    ASSERT_EQ(events.size(), 1u);
    ASSERT_EQ(events[0].kind, Kind::Packet);
    EXPECT_EQ(events[0].payload, payload);
}

TEST(GdbPacketReader, AnOverlongPacketIsRefusedAndTheNextOneIsRead) {
    const std::string big(kMaxPacket + 1, 'a');
    const auto events = feed(frame(big) + frame("?"));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::Bad);
    EXPECT_EQ(events[1].payload, "?");
}

TEST(GdbPacketReader, NoiseAndAcksBetweenPacketsAreIgnored) {
    const auto events = feed("+-garbage\n" + frame("s"));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].payload, "s");
}

TEST(GdbHex, RoundTripsAndRefusesWhatIsNotHex) {
    const std::vector<uint8_t> bytes{0x00, 0x7f, 0xff, 0x10};
    EXPECT_EQ(to_hex(bytes), "007fff10");
    EXPECT_EQ(from_hex("007FfF10"), bytes);
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_FALSE(from_hex("zz"));
    EXPECT_EQ(parse_hex("ffffffffffffffff"), ~uint64_t{0});
    EXPECT_FALSE(parse_hex("10000000000000000"));  // 17 digits
    EXPECT_FALSE(parse_hex(""));
    EXPECT_FALSE(parse_hex("-1"));
}

// 64 KiB of memory at 0x1000, 8 bytes of "registers", two debug registers.
struct FakeTarget : test::FakeDebugTarget {
    static constexpr uint64_t kBase = 0x1000;
    FakeTarget() : FakeDebugTarget(kBase, 8, 2) {}
};

class GdbStub : public ::testing::Test {
  protected:
    std::string ask(std::string_view packet) { return stub.handle(packet).text; }
    FakeTarget target;
    Stub stub{target};
};

TEST_F(GdbStub, ReportsTheStopAndReadsAndWritesRegisters) {
    EXPECT_EQ(ask("?"), "S05");
    EXPECT_EQ(stub.stopped(2), "S02");
    EXPECT_EQ(ask("?"), "S02");
    EXPECT_EQ(ask("g"), "1111111111111111");
    EXPECT_EQ(ask("G0102030405060708"), "OK");
    EXPECT_EQ(target.regs, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(ask("G0102"), "E01");  // not the layout's size
    EXPECT_EQ(ask("Gxyz0"), "E01");  // not hex
    EXPECT_EQ(target.regs[0], 1);    // unchanged by either
}

TEST_F(GdbStub, ReadsAndWritesMemoryInsideTheTargetOnly) {
    EXPECT_EQ(ask("m1000,4"), "90909090");
    EXPECT_EQ(ask("M1002,2:abcd"), "OK");
    EXPECT_EQ(ask("m1001,4"), "90abcd90");
    EXPECT_EQ(ask("X1004,3:") + "", "E01");  // length and data disagree
    EXPECT_EQ(ask(std::string("X1004,2:") + char(0) + '#'), "OK");
    EXPECT_EQ(target.memory[4], 0);
    EXPECT_EQ(target.memory[5], '#');
    EXPECT_EQ(ask("m0,4"), "E14");                 // below
    EXPECT_EQ(ask("m10ffe,4"), "E14");             // straddling the end
    EXPECT_EQ(ask("mffffffffffffffff,2"), "E14");  // wrapping
    EXPECT_EQ(ask("M0,1:00"), "E14");
    EXPECT_EQ(ask("m1000,100000"), "E01");  // more than a reply can hold
    EXPECT_EQ(ask("m1000"), "E01");
    EXPECT_EQ(ask("m,"), "E01");
    EXPECT_EQ(ask("M1000,1:0"), "E01");  // odd hex
}

TEST_F(GdbStub, BreakpointsUseDebugRegistersFirstThenInt3AndReadsShowTheOriginal) {
    EXPECT_EQ(ask("Z0,1010,1"), "OK");
    EXPECT_EQ(ask("Z0,1020,1"), "OK");
    EXPECT_EQ(target.hardware, (std::vector<uint64_t>{0x1010, 0x1020}));
    EXPECT_EQ(target.memory[0x10], 0x90);  // text untouched
    EXPECT_EQ(ask("Z0,1030,1"), "OK");     // no register left: int3
    EXPECT_EQ(target.memory[0x30], 0xcc);
    EXPECT_EQ(ask("m102f,3"), "909090");  // the client sees its own bytes
    EXPECT_EQ(ask("Z1,1040,1"), "E1c");   // hardware only, none free
    EXPECT_EQ(ask("z0,1030,1"), "OK");
    EXPECT_EQ(target.memory[0x30], 0x90);
    EXPECT_EQ(ask("z0,1010,1"), "OK");
    EXPECT_EQ(target.hardware, (std::vector<uint64_t>{0x1020}));
    EXPECT_EQ(ask("Z1,1040,1"), "OK");
    EXPECT_EQ(ask("Z0,1020,1"), "OK");  // the same one again: still one register
    EXPECT_EQ(target.hardware, (std::vector<uint64_t>{0x1020, 0x1040}));
    EXPECT_EQ(ask("Z0,0,1"), "E14");  // int3 outside memory
    EXPECT_EQ(ask("Z2,1000,1"), "");  // watchpoints: unsupported
    EXPECT_EQ(ask("Z0,xyz,1"), "E01");
}

TEST_F(GdbStub, RemovingEveryBreakpointRestoresTextAndRegisters) {
    for (const char* p : {"Z0,1010,1", "Z0,1020,1", "Z0,1030,1", "Z0,1031,1"}) ASSERT_EQ(ask(p), "OK");
    stub.remove_breakpoints();
    EXPECT_TRUE(target.hardware.empty());
    EXPECT_TRUE(std::all_of(target.memory.begin(), target.memory.end(), [](uint8_t b) { return b == 0x90; }));
}

TEST_F(GdbStub, ResumeCommandsAndTheOnesWithoutAReply) {
    EXPECT_EQ(stub.handle("c").resume, Resume::Continue);
    EXPECT_FALSE(stub.handle("c").reply);
    EXPECT_EQ(stub.handle("s").resume, Resume::Step);
    EXPECT_EQ(stub.handle("D").resume, Resume::Detach);
    EXPECT_EQ(stub.handle("D").text, "OK");
    EXPECT_EQ(stub.handle("k").resume, Resume::Kill);
    EXPECT_FALSE(stub.handle("k").reply);
    EXPECT_EQ(stub.handle("vCont;c").resume, Resume::Stay);  // unsupported: gdb falls back to c/s
    EXPECT_EQ(ask("vCont;c"), "");
}

TEST_F(GdbStub, QueriesAboutTheOneThread) {
    EXPECT_EQ(ask("qSupported:multiprocess+;swbreak+"), "PacketSize=1000");
    EXPECT_EQ(ask("qAttached"), "1");
    EXPECT_EQ(ask("qC"), "QC1");
    EXPECT_EQ(ask("qfThreadInfo"), "m1");
    EXPECT_EQ(ask("qsThreadInfo"), "l");
    EXPECT_EQ(ask("Hg0"), "OK");
    EXPECT_EQ(ask("qXfer:features:read:target.xml:0,ffb"), "");
    EXPECT_EQ(ask(""), "");
}

}  // namespace
}  // namespace skiff::gdb
