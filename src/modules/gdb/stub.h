// The commands of the GDB remote protocol that a debugger of one vCPU needs: registers, memory,
// software and hardware breakpoints, continue, single step, interrupt, detach and kill. What the commands act on
// is a DebugTarget, so the stub is tested and fuzzed without KVM.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::gdb {

class DebugTarget {
  public:
    virtual ~DebugTarget() = default;
    // The registers in the layout gdb expects for this architecture ('g' packet).
    virtual std::vector<uint8_t> registers() = 0;
    // Sets them from that layout; false if `bytes` is not of its size.
    virtual bool set_registers(std::span<const uint8_t> bytes) = 0;
    // Guest memory at a guest address; false where there is none (outside guest memory).
    virtual bool read_memory(uint64_t addr, std::span<uint8_t> out) = 0;
    virtual bool write_memory(uint64_t addr, std::span<const uint8_t> bytes) = 0;
    // The instruction a software breakpoint writes (x86: int3).
    virtual std::span<const uint8_t> breakpoint_instruction() const = 0;
    // How many hardware breakpoints the CPU has (x86: 4 debug registers), and setting them all.
    virtual size_t hardware_breakpoint_slots() const = 0;
    virtual void set_hardware_breakpoints(std::span<const uint64_t> addresses) = 0;
};

// What the vCPU does once a packet is handled.
enum class Resume { Stay, Continue, Step, Detach, Kill };

class Stub {
  public:
    explicit Stub(DebugTarget& target) : target_(target) {}

    struct Answer {
        Resume resume = Resume::Stay;
        bool reply = true;  // false: the command takes no reply (kill)
        std::string text;   // the reply's payload
    };
    // One packet's (unframed, unescaped) payload.
    Answer handle(std::string_view packet);

    // What a stop reports: "S05" for a breakpoint or step (SIGTRAP), "S02" for an interrupt.
    std::string stopped(int signal);
    // Puts back every byte the client's breakpoints replaced (detach, disconnect, the end).
    void remove_breakpoints();

  private:
    Answer read_memory(std::string_view args);
    Answer write_memory(std::string_view args, bool binary);
    Answer breakpoint(std::string_view args, bool insert);
    Answer hardware_breakpoint(uint64_t addr, bool insert);

    DebugTarget& target_;
    std::map<uint64_t, std::vector<uint8_t>> breakpoints_;  // address -> the bytes the breakpoint replaced
    std::vector<uint64_t> hardware_breakpoints_;
    int signal_ = 5;  // of the last stop
};

}  // namespace skiff::gdb
