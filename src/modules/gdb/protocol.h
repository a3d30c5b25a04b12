// The framing of the GDB remote serial protocol: "$payload#cs" with a two-digit hex checksum,
// acknowledged "+" (or "-" to ask for a resend); 0x03 alone interrupts the running target; '}'
// escapes a byte of binary data (the byte XOR 0x20). Pure functions and a byte-stream reader, so
// the parsing of what a (possibly hostile) client sends is testable and fuzzed on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::gdb {

// The largest packet the stub takes (announced as PacketSize); longer ones are refused.
inline constexpr size_t kMaxPacket = 4096;

struct PacketEvent {
    enum class Kind {
        Packet,     // a complete packet with a good checksum: payload unescaped
        Interrupt,  // 0x03 outside a packet
        Bad,        // a bad checksum or an overlong packet: answer "-"
    };
    Kind kind;
    std::string payload;
};

// Turns the bytes a client sends into events; keeps what is incomplete for the next feed.
class PacketReader {
  public:
    std::vector<PacketEvent> feed(std::string_view bytes);

  private:
    enum class State { Idle, Payload, Escape, Checksum1, Checksum2 };
    State state_ = State::Idle;
    std::string payload_;
    uint8_t sum_ = 0;
    int checksum_ = 0;
    bool overflow_ = false;
};

// "$payload#cs", with '#', '$', '}' and '*' escaped.
std::string frame(std::string_view payload);

std::string to_hex(std::span<const uint8_t> bytes);
// Pairs of hex digits; nullopt for anything else (an odd length, a non-digit).
std::optional<std::vector<uint8_t>> from_hex(std::string_view text);
// A hex number of at most 16 digits; nullopt otherwise.
std::optional<uint64_t> parse_hex(std::string_view text);

}  // namespace skiff::gdb
