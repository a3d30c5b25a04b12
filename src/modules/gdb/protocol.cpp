#include "modules/gdb/protocol.h"

namespace skiff::gdb {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

constexpr char kDigits[] = "0123456789abcdef";

}  // namespace

std::vector<PacketEvent> PacketReader::feed(std::string_view bytes) {
    std::vector<PacketEvent> events;
    for (const char c : bytes) {
        switch (state_) {
            case State::Idle:
                if (c == '$') {
                    state_ = State::Payload;
                    payload_.clear();
                    sum_ = 0;
                    overflow_ = false;
                } else if (c == '\x03') {
                    events.push_back({PacketEvent::Kind::Interrupt, {}});
                }
                break;  // acks and noise between packets
            case State::Payload:
            case State::Escape:
                if (c == '#' && state_ == State::Payload) {
                    state_ = State::Checksum1;
                    break;
                }
                sum_ = uint8_t(sum_ + uint8_t(c));
                if (state_ == State::Payload && c == '}') {
                    state_ = State::Escape;
                    break;
                }
                if (payload_.size() < kMaxPacket)
                    payload_ += state_ == State::Escape ? char(c ^ 0x20) : c;
                else
                    overflow_ = true;
                state_ = State::Payload;
                break;
            case State::Checksum1:
                checksum_ = hex_digit(c) << 4;
                state_ = hex_digit(c) < 0 ? State::Idle : State::Checksum2;
                if (state_ == State::Idle) events.push_back({PacketEvent::Kind::Bad, {}});
                break;
            case State::Checksum2: {
                const int low = hex_digit(c);
                state_ = State::Idle;
                const bool good = low >= 0 && (checksum_ | low) == sum_ && !overflow_;
                events.push_back({good ? PacketEvent::Kind::Packet : PacketEvent::Kind::Bad,
                                  good ? std::move(payload_) : std::string()});
                payload_.clear();
                break;
            }
        }
    }
    return events;
}

std::string frame(std::string_view payload) {
    std::string out = "$";
    uint8_t sum = 0;
    for (const char c : payload) {
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out += '}';
            sum = uint8_t(sum + '}');
            out += char(c ^ 0x20);
            sum = uint8_t(sum + uint8_t(c ^ 0x20));
        } else {
            out += c;
            sum = uint8_t(sum + uint8_t(c));
        }
    }
    out += '#';
    out += kDigits[sum >> 4];
    out += kDigits[sum & 15];
    return out;
}

std::string to_hex(std::span<const uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<uint8_t> bytes;
    bytes.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_digit(text[i]), low = hex_digit(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        bytes.push_back(uint8_t(high << 4 | low));
    }
    return bytes;
}

std::optional<uint64_t> parse_hex(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    uint64_t value = 0;
    for (const char c : text) {
        const int d = hex_digit(c);
        if (d < 0) return std::nullopt;
        value = value << 4 | uint64_t(d);
    }
    return value;
}

}  // namespace skiff::gdb
