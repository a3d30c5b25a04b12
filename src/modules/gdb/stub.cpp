#include "modules/gdb/stub.h"

#include <algorithm>
#include <cstdio>

#include "modules/gdb/protocol.h"

namespace skiff::gdb {
namespace {

constexpr const char* kError = "E01";                    // malformed request
constexpr const char* kNoMemory = "E14";                 // EFAULT: no guest memory there
constexpr const char* kNoSpace = "E1c";                  // ENOSPC: every debug register in use
constexpr size_t kMaxMemoryRead = (kMaxPacket - 8) / 2;  // hex doubles it

// "ADDR,LEN" → both, or nothing.
bool address_and_length(std::string_view args, uint64_t& addr, uint64_t& len) {
    const size_t comma = args.find(',');
    if (comma == std::string_view::npos) return false;
    const auto a = parse_hex(args.substr(0, comma)), l = parse_hex(args.substr(comma + 1));
    if (!a || !l) return false;
    addr = *a;
    len = *l;
    return true;
}

// kMaxPacket in hex, as qSupported announces it.
std::string packet_size() {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%zx", kMaxPacket);
    return buf;
}

std::string hex2(int value) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", value & 0xff);
    return buf;
}

}  // namespace

std::string Stub::stopped(int signal) {
    signal_ = signal;
    return "S" + hex2(signal);
}

Stub::Answer Stub::handle(std::string_view packet) {
    if (packet.empty()) return {};
    const char command = packet.front();
    const std::string_view args = packet.substr(1);
    switch (command) {
        case '?': return {Resume::Stay, true, "S" + hex2(signal_)};
        case 'g': return {Resume::Stay, true, to_hex(target_.registers())};
        case 'G': {
            const auto bytes = from_hex(args);
            return {Resume::Stay, true, bytes && target_.set_registers(*bytes) ? "OK" : kError};
        }
        case 'm': return read_memory(args);
        case 'M': return write_memory(args, false);
        case 'X': return write_memory(args, true);
        case 'Z': return breakpoint(args, true);
        case 'z': return breakpoint(args, false);
        case 'c': return {Resume::Continue, false, {}};
        case 's': return {Resume::Step, false, {}};
        case 'D': return {Resume::Detach, true, "OK"};
        case 'k': return {Resume::Kill, false, {}};
        case 'H':
        case 'T': return {Resume::Stay, true, "OK"};  // one thread, always alive
        case 'q':
            if (args.starts_with("Supported")) return {Resume::Stay, true, "PacketSize=" + packet_size()};
            if (args == "Attached") return {Resume::Stay, true, "1"};
            if (args == "C") return {Resume::Stay, true, "QC1"};
            if (args == "fThreadInfo") return {Resume::Stay, true, "m1"};
            if (args == "sThreadInfo") return {Resume::Stay, true, "l"};
            return {};
        default: return {};  // unsupported: the empty reply
    }
}

Stub::Answer Stub::read_memory(std::string_view args) {
    uint64_t addr = 0, len = 0;
    if (!address_and_length(args, addr, len) || len > kMaxMemoryRead) return {Resume::Stay, true, kError};
    std::vector<uint8_t> bytes(len);
    if (!target_.read_memory(addr, bytes)) return {Resume::Stay, true, kNoMemory};
    // The client sees its breakpoints' original bytes, not the int3 they put there.
    for (const auto& [at, original] : breakpoints_)
        for (size_t i = 0; i < original.size(); ++i)
            if (at + i >= addr && at + i - addr < len) bytes[at + i - addr] = original[i];
    return {Resume::Stay, true, to_hex(bytes)};
}

Stub::Answer Stub::write_memory(std::string_view args, bool binary) {
    const size_t colon = args.find(':');
    uint64_t addr = 0, len = 0;
    if (colon == std::string_view::npos || !address_and_length(args.substr(0, colon), addr, len))
        return {Resume::Stay, true, kError};
    const std::string_view data = args.substr(colon + 1);
    std::vector<uint8_t> bytes;
    if (binary) {
        bytes.assign(data.begin(), data.end());
    } else if (auto decoded = from_hex(data)) {
        bytes = std::move(*decoded);
    } else {
        return {Resume::Stay, true, kError};
    }
    if (bytes.size() != len) return {Resume::Stay, true, kError};
    return {Resume::Stay, true, target_.write_memory(addr, bytes) ? "OK" : kNoMemory};
}

Stub::Answer Stub::breakpoint(std::string_view args, bool insert) {
    // Z0 software, Z1 hardware breakpoints; watchpoints (Z2-Z4) are not offered.
    if (!args.starts_with("0,") && !args.starts_with("1,")) return {};
    const std::string_view rest = args.substr(2);
    const auto addr = parse_hex(rest.substr(0, rest.find(',')));
    if (!addr) return {Resume::Stay, true, kError};
    const bool hardware_only = args.front() == '1';
    if (!insert) {
        if (auto it = breakpoints_.find(*addr); it != breakpoints_.end() && !hardware_only) {
            if (!target_.write_memory(*addr, it->second)) return {Resume::Stay, true, kNoMemory};
            breakpoints_.erase(it);
            return {Resume::Stay, true, "OK"};
        }
        return hardware_breakpoint(*addr, false);
    }
    // A software breakpoint takes a debug register while one is free: the guest's text stays as it
    // is (and some KVMs, kvm-pvm among them, cannot run an int3 the debugger placed).
    const bool in_register =
        std::find(hardware_breakpoints_.begin(), hardware_breakpoints_.end(), *addr) != hardware_breakpoints_.end();
    if (hardware_only || in_register || hardware_breakpoints_.size() < target_.hardware_breakpoint_slots())
        return hardware_breakpoint(*addr, true);
    if (breakpoints_.contains(*addr)) return {Resume::Stay, true, "OK"};
    const auto instruction = target_.breakpoint_instruction();
    std::vector<uint8_t> original(instruction.size());
    if (!target_.read_memory(*addr, original) || !target_.write_memory(*addr, instruction))
        return {Resume::Stay, true, kNoMemory};
    breakpoints_[*addr] = std::move(original);
    return {Resume::Stay, true, "OK"};
}

Stub::Answer Stub::hardware_breakpoint(uint64_t addr, bool insert) {
    auto it = std::find(hardware_breakpoints_.begin(), hardware_breakpoints_.end(), addr);
    if (insert && it == hardware_breakpoints_.end()) {
        if (hardware_breakpoints_.size() == target_.hardware_breakpoint_slots()) return {Resume::Stay, true, kNoSpace};
        hardware_breakpoints_.push_back(addr);
    } else if (!insert && it != hardware_breakpoints_.end()) {
        hardware_breakpoints_.erase(it);
    }
    target_.set_hardware_breakpoints(hardware_breakpoints_);
    return {Resume::Stay, true, "OK"};
}

void Stub::remove_breakpoints() {
    for (const auto& [addr, original] : breakpoints_) target_.write_memory(addr, original);
    breakpoints_.clear();
    hardware_breakpoints_.clear();
    target_.set_hardware_breakpoints({});
}

}  // namespace skiff::gdb
