// libFuzzer target: what a (possibly hostile) gdb client sends, through the packet reader and the
// stub, against a fake target with 64 KiB of memory. Whatever arrives, replies stay within the
// announced packet size, and removing the breakpoints leaves no int3 the client placed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "modules/gdb/protocol.h"
#include "modules/gdb/stub.h"

namespace {

class Target : public skiff::gdb::DebugTarget {
  public:
    static constexpr uint64_t kBase = 0x100000;
    std::vector<uint8_t> memory = std::vector<uint8_t>(0x10000, 0x90);
    std::vector<uint8_t> regs = std::vector<uint8_t>(536, 0);
    size_t hardware = 0;

    std::vector<uint8_t> registers() override { return regs; }
    bool set_registers(std::span<const uint8_t> bytes) override {
        if (bytes.size() != regs.size()) return false;
        regs.assign(bytes.begin(), bytes.end());
        return true;
    }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        if (!inside(addr, out.size())) return false;
        if (!out.empty()) std::memcpy(out.data(), &memory[addr - kBase], out.size());
        return true;
    }
    bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) override {
        if (!inside(addr, bytes.size())) return false;
        if (!bytes.empty()) std::memcpy(&memory[addr - kBase], bytes.data(), bytes.size());
        return true;
    }
    std::span<const uint8_t> breakpoint_instruction() const override {
        static constexpr uint8_t int3[] = {0xcc};
        return int3;
    }
    size_t hardware_breakpoint_slots() const override { return 4; }
    void set_hardware_breakpoints(std::span<const uint64_t> addresses) override {
        if (addresses.size() > 4) __builtin_trap();
        hardware = addresses.size();
    }

  private:
    bool inside(uint64_t addr, uint64_t len) const {
        return addr >= kBase && len <= memory.size() && addr - kBase <= memory.size() - len;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Target target;
    skiff::gdb::Stub stub(target);
    skiff::gdb::PacketReader reader;
    bool wrote = false;
    for (const auto& event : reader.feed({reinterpret_cast<const char*>(data), size})) {
        if (event.payload.size() > skiff::gdb::kMaxPacket) __builtin_trap();
        if (event.kind != skiff::gdb::PacketEvent::Kind::Packet) continue;
        wrote = wrote || event.payload.starts_with('M') || event.payload.starts_with('X');
        const auto answer = stub.handle(event.payload);
        if (answer.text.size() > skiff::gdb::kMaxPacket) __builtin_trap();
    }
    stub.remove_breakpoints();
    if (target.hardware != 0) __builtin_trap();
    // Without the client's own writes, memory is as it was.
    if (!wrote)
        for (uint8_t b : target.memory)
            if (b != 0x90) __builtin_trap();
    return 0;
}
