// libFuzzer target: what a (possibly hostile) gdb client sends, through the packet reader and the
// stub, against a fake target with 64 KiB of memory. Whatever arrives, replies stay within the
// announced packet size, and removing the breakpoints leaves no int3 the client placed.
#include <cstddef>
#include <cstdint>

#include "fake_debug_target.h"
#include "modules/gdb/protocol.h"
#include "modules/gdb/stub.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    skiff::test::FakeDebugTarget target(0x100000, 536, 4);
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
    if (!target.hardware.empty()) __builtin_trap();
    // Without the client's own writes, memory is as it was.
    if (!wrote)
        for (uint8_t b : target.memory)
            if (b != 0x90) __builtin_trap();
    return 0;
}
