// A debug target for the gdb stub's tests and fuzzer: REGISTER_BYTES bytes of registers (0x11 each),
// 64 KiB of memory at BASE (0x90 each, so a placed int3 stands out), an int3 breakpoint
// instruction and SLOTS hardware breakpoint slots. Asking for more slots than it has is a stub bug:
// it aborts.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "modules/gdb/stub.h"

namespace skiff::test {

class FakeDebugTarget : public gdb::DebugTarget {
  public:
    FakeDebugTarget(uint64_t base, size_t register_bytes, size_t slots)
        : regs(register_bytes, 0x11), base_(base), slots_(slots) {}

    std::vector<uint8_t> regs;
    std::vector<uint8_t> memory = std::vector<uint8_t>(0x10000, 0x90);
    std::vector<uint64_t> hardware;  // the addresses last set

    std::vector<uint8_t> registers() override { return regs; }
    bool set_registers(std::span<const uint8_t> bytes) override {
        if (bytes.size() != regs.size()) return false;
        regs.assign(bytes.begin(), bytes.end());
        return true;
    }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        if (!inside(addr, out.size())) return false;
        if (!out.empty()) std::memcpy(out.data(), &memory[addr - base_], out.size());
        return true;
    }
    bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) override {
        if (!inside(addr, bytes.size())) return false;
        if (!bytes.empty()) std::memcpy(&memory[addr - base_], bytes.data(), bytes.size());
        return true;
    }
    std::span<const uint8_t> breakpoint_instruction() const override {
        static constexpr uint8_t int3[] = {0xcc};
        return int3;
    }
    size_t hardware_breakpoint_slots() const override { return slots_; }
    void set_hardware_breakpoints(std::span<const uint64_t> addresses) override {
        if (addresses.size() > slots_) std::abort();
        hardware.assign(addresses.begin(), addresses.end());
    }

  private:
    bool inside(uint64_t addr, uint64_t len) const {
        return addr >= base_ && len <= memory.size() && addr - base_ <= memory.size() - len;
    }
    uint64_t base_;
    size_t slots_;
};

}  // namespace skiff::test
